import * as routes from "@fanfare/contract";
import type { FastifyPluginAsync } from "fastify";
import type { Deps } from "../../deps.js";
import { addRoute } from "../../http/contract-routes.js";
import { decodeCursor, pageOf } from "../../http/pagination.js";
import { isId } from "../../lib/ids.js";
import { authOf } from "../access/index.js";
import { listAudit } from "./store.js";

/** Admin API: who changed what, newest first. */
export function auditRoutes(deps: Deps): FastifyPluginAsync {
  return async (app) => {
    addRoute(app, routes.listAuditLog, async (request) => {
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
        actor: { type: entry.actorType, id: entry.actorId, keyValue: entry.actorKeyValue },
        target: { type: entry.targetType, id: entry.targetId },
        ip: entry.ip,
        requestId: entry.requestId,
        before: entry.before,
        after: entry.after,
        createdAt: entry.createdAt,
      }));
    });
  };
}
