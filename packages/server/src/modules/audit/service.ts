import type { ActorType, KeyValue } from "../../db/schema.js";

/** Who is acting, and from where: recorded with every change. */
export interface Actor {
  type: ActorType;
  id: string | null;
  /** For a key: which of its values made the request. */
  keyValue?: KeyValue;
  ip: string | null;
  requestId: string | null;
}

/** Changes made from the command line on the server itself. */
export const CLI_ACTOR: Actor = { type: "cli", id: null, ip: null, requestId: null };

export interface AuditChange {
  action: string;
  targetType: string;
  targetId: string;
  /** Snapshots must never contain a secret: pass public views only. */
  before?: unknown;
  after?: unknown;
}
