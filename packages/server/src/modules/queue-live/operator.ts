import type { DenyReason } from "../../db/schema.js";
import type { Deps } from "../../deps.js";
import { isoAt } from "../../lib/clock.js";
import type { TenantScope } from "../../lib/tenant.js";
import { applyChange, inMode } from "../audit/apply-change.js";
import type { Actor } from "../audit/service.js";
import { admitNext, denyConsumer, type InTransaction } from "../queue-entries/index.js";
import { requireQueue } from "../queues/index.js";
import { extendRunningAdmissions } from "./store.js";

/**
 * The control room's actions. Each runs in a transaction that also writes its audit row, so an
 * action and its record commit together; what the action changed is what the audit row says.
 */
function audited<T>(
  deps: Deps,
  tenant: TenantScope,
  actor: Actor,
  queueId: string,
  action: string,
  describe: (result: T) => Record<string, unknown>,
): InTransaction {
  return (work) =>
    applyChange(deps, inMode(tenant, actor), async (trx, audit) => {
      const result = await work(trx);
      await audit({ action, targetType: "queue", targetId: queueId, after: describe(result as T) });
      return { result };
    });
}

export async function admitNextAudited(deps: Deps, tenant: TenantScope, actor: Actor, queueId: string, count: number) {
  const admitted = await admitNext(
    deps,
    tenant,
    queueId,
    count,
    audited<{ consumerId: string }[]>(deps, tenant, actor, queueId, "queue.admitted_next", (entries) => ({
      requested: count,
      admitted: entries.map((entry) => entry.consumerId),
    })),
  );
  return { data: admitted };
}

export function denyAudited(
  deps: Deps,
  tenant: TenantScope,
  actor: Actor,
  queueId: string,
  consumerId: string,
  reason: DenyReason,
) {
  return denyConsumer(
    deps,
    tenant,
    queueId,
    consumerId,
    reason,
    audited(deps, tenant, actor, queueId, "queue.consumer_denied", () => ({ consumerId, reason })),
  );
}

/** Every admission still running gets `seconds` more; later polls carry tokens with the new expiry. */
export async function extendAdmissionsAudited(
  deps: Deps,
  tenant: TenantScope,
  actor: Actor,
  queueId: string,
  seconds: number,
) {
  await requireQueue(deps, tenant, queueId);
  const now = isoAt(deps.clock.now());
  return applyChange(deps, inMode(tenant, actor), async (trx, audit) => {
    const extended = await extendRunningAdmissions(trx, deps.db.dialect, queueId, seconds, now);
    await audit({
      action: "queue.admissions_extended",
      targetType: "queue",
      targetId: queueId,
      after: { seconds, ...extended },
    });
    return { result: extended };
  });
}
