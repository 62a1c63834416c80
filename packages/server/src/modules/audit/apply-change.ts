import type { Transaction } from "kysely";
import type { InvalidationEvent } from "../../cache/invalidation.js";
import type { Database } from "../../db/schema.js";
import type { Deps } from "../../deps.js";
import { errors } from "../../http/errors.js";
import { isoAt } from "../../lib/clock.js";
import { newId } from "../../lib/ids.js";
import type { TenantScope } from "../../lib/tenant.js";
import type { Actor, AuditChange } from "./service.js";
import { insertAudit } from "./store.js";

/** Where a change is audited, and who makes it. Built by `inMode` or `organizationWide` only. */
export interface ChangeContext {
  readonly scope: TenantScope;
  readonly actor: Actor;
}

/** A change to data that belongs to one mode: audited in that mode. */
export const inMode = (tenant: TenantScope, actor: Actor): ChangeContext => ({ scope: tenant, actor });

/**
 * A change to what both modes read (organization settings, alert rules, the team). A test key
 * must never change what live mode uses, so it is refused (like Stripe's test keys and account
 * settings); members are people with roles, whatever mode they view. A key acts only in its own
 * mode, so the tenant's mode is the key's. The audit row is always written in live mode.
 */
export function organizationWide(tenant: TenantScope, actor: Actor): ChangeContext {
  if (actor.type === "api_key" && tenant.mode !== "live") throw errors.liveKeyRequired();
  return { scope: { organizationId: tenant.organizationId, mode: "live" }, actor };
}

/** Writes the change's audit row inside its transaction. */
export type Audit = (change: AuditChange) => Promise<void>;

export interface ChangeOutcome<T> {
  result: T;
  /** The change found nothing to do (a retried move, say): it wrote nothing, so it owes no audit row. */
  unchanged?: boolean;
  /** Published once the transaction has committed, never after a rollback. */
  invalidate?: InvalidationEvent[];
}

/**
 * The one way to change audited data: the change and its audit row commit together or not at
 * all, and caches are told only about what committed. A change that writes no audit row is a
 * bug, so it is rolled back, unless it says it found nothing to change.
 *
 * @example
 * await applyChange(deps, inMode(tenant, actor), async (trx, audit) => {
 *   await saveQueue(trx, tenant, updated);
 *   await audit({ action: "queue.updated", targetType: "queue", targetId: id, before, after: updated });
 *   return { result: updated };
 * });
 */
export async function applyChange<T>(
  deps: Pick<Deps, "db" | "clock" | "invalidation">,
  context: ChangeContext,
  change: (trx: Transaction<Database>, audit: Audit) => Promise<ChangeOutcome<T>>,
): Promise<T> {
  const { scope, actor } = context;
  const outcome = await deps.db.kysely.transaction().execute(async (trx) => {
    let audited = false;
    const audit: Audit = async (entry) => {
      const nowMs = deps.clock.now();
      await insertAudit(trx, scope, {
        id: newId("auditEvent", nowMs),
        action: entry.action,
        actorType: actor.type,
        actorId: actor.id,
        actorKeyValue: actor.keyValue ?? null,
        targetType: entry.targetType,
        targetId: entry.targetId,
        ip: actor.ip,
        requestId: actor.requestId,
        before: entry.before ?? null,
        after: entry.after ?? null,
        createdAt: isoAt(nowMs),
      });
      audited = true;
    };
    const done = await change(trx, audit);
    if (!audited && !done.unchanged)
      throw new Error("A change must write its audit row: call audit() inside applyChange");
    return done;
  });
  for (const event of outcome.invalidate ?? []) await deps.invalidation.publish(event);
  return outcome.result;
}
