import { Type } from "typebox";
import { Page, PageQuery } from "./common.js";

/** Schemas of the audit log. */
export const AuditEntryView = Type.Object({
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
export const AuditQuery = Type.Object(
  {
    ...PageQuery,
    action: Type.Optional(Type.String({ maxLength: 100 })),
    actorId: Type.Optional(Type.String({ maxLength: 64 })),
    targetId: Type.Optional(Type.String({ maxLength: 64 })),
  },
  { additionalProperties: false },
);
export const AuditPage = Page(AuditEntryView);
