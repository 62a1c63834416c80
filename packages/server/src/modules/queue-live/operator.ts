import type { Deps } from "../../deps.js";
import { isoAt } from "../../lib/clock.js";
import type { TenantScope } from "../../lib/tenant.js";
import { applyChange, inMode } from "../audit/apply-change.js";
import type { Actor } from "../audit/service.js";
import { extendRunningAdmissions } from "../queue-entries/index.js";
import { requireQueue } from "../queues/index.js";

/**
 * The control room's own action (admitting and denying are the queue entries' audited moves):
 * every admission still running gets `seconds` more; later polls carry tokens with the new expiry.
 */
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
