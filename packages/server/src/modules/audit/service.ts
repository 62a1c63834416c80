import type { Transaction } from "kysely";
import type { ActorType, Database } from "../../db/schema.js";
import { isoAt } from "../../lib/clock.js";
import { newId } from "../../lib/ids.js";
import type { TenantScope } from "../../lib/tenant.js";
import { insertAudit } from "./store.js";

/** Who is acting, and from where: recorded with every change. */
export interface Actor {
  type: ActorType;
  id: string | null;
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

/** Written in the same transaction as the change it describes, so neither exists without the other. */
export function recordAudit(
  trx: Transaction<Database>,
  scope: TenantScope,
  actor: Actor,
  change: AuditChange,
  nowMs: number,
): Promise<void> {
  return insertAudit(trx, scope, {
    id: newId("auditEvent", nowMs),
    action: change.action,
    actorType: actor.type,
    actorId: actor.id,
    targetType: change.targetType,
    targetId: change.targetId,
    ip: actor.ip,
    requestId: actor.requestId,
    before: change.before ?? null,
    after: change.after ?? null,
    createdAt: isoAt(nowMs),
  });
}
