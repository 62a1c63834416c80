import { Page, PageQuery } from "@fanfare/contract";
import type { FastifyPluginAsyncTypebox } from "@fastify/type-provider-typebox";
import { Type } from "typebox";
import type { Deps } from "../../deps.js";
import { decodeCursor, pageOf } from "../../http/pagination.js";
import { isId } from "../../lib/ids.js";
import { authOf } from "../access/index.js";
import { listAudit } from "./store.js";

const AuditEntryView = Type.Object({
  id: Type.String(),
  action: Type.String(),
  actor: Type.Object({ type: Type.String(), id: Type.Union([Type.String(), Type.Null()]) }),
  target: Type.Object({ type: Type.String(), id: Type.String() }),
  ip: Type.Union([Type.String(), Type.Null()]),
  requestId: Type.Union([Type.String(), Type.Null()]),
  before: Type.Unknown(),
  after: Type.Unknown(),
  createdAt: Type.String({ format: "date-time" }),
});

const AuditQuery = Type.Object(
  {
    ...PageQuery,
    action: Type.Optional(Type.String({ maxLength: 100 })),
    actorId: Type.Optional(Type.String({ maxLength: 64 })),
    targetId: Type.Optional(Type.String({ maxLength: 64 })),
  },
  { additionalProperties: false },
);

/** Admin API: who changed what, newest first. */
export function auditRoutes(deps: Deps): FastifyPluginAsyncTypebox {
  return async (app) => {
    app.get(
      "/audit-log",
      {
        config: { auth: { kind: "secret", scope: "admin" } },
        schema: {
          summary: "The audit log, newest first",
          tags: ["Audit log"],
          querystring: AuditQuery,
          response: { 200: Page(AuditEntryView) },
        },
      },
      async (request) => {
        const { action, actorId, targetId, first = 20, after } = request.query;
        const { entries, hasNextPage } = await listAudit(deps.db, authOf(request).tenant, {
          first,
          after: decodeCursor(after, (id) => isId("auditEvent", id)),
          action,
          actorId,
          targetId,
        });
        return pageOf(entries, hasNextPage, (entry) => ({
          id: entry.id,
          action: entry.action,
          actor: { type: entry.actorType, id: entry.actorId },
          target: { type: entry.targetType, id: entry.targetId },
          ip: entry.ip,
          requestId: entry.requestId,
          before: entry.before,
          after: entry.after,
          createdAt: entry.createdAt,
        }));
      },
    );
  };
}
