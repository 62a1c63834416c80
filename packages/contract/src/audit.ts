import { Type } from "typebox";
import { Page, PageQuery } from "./common.js";

/** Schemas of the audit log. */
export const AuditEntryView = Type.Object({
  id: Type.String(),
  action: Type.String(),
  actor: Type.Object({
    type: Type.String(),
    id: Type.Union([Type.String(), Type.Null()]),
    keyValue: Type.Union([Type.Literal("current"), Type.Literal("previous"), Type.Null()], {
      description:
        "For a key: whether its current value acted, or the previous one during a regeneration's grace period " +
        "(null for members, the command line, and entries written before this was recorded)",
    }),
  }),
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
