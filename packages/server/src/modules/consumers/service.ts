import type { Deps } from "../../deps.js";
import { AppError } from "../../http/errors.js";
import { isoAt } from "../../lib/clock.js";
import type { TenantScope } from "../../lib/tenant.js";
import { applyChange, inMode } from "../audit/apply-change.js";
import type { Actor } from "../audit/service.js";
import { activeEntries, forgetFingerprints, leaveQueue } from "../queue-entries/index.js";
import { revokeConsumerSessionsIn } from "../sessions/service.js";
import { type ConsumerRecord, eraseConsumer, getConsumerRecord } from "./store.js";

export const consumerNotFound = () => new AppError("consumer_not_found");

export async function requireConsumer(deps: Deps, tenant: TenantScope, id: string): Promise<ConsumerRecord> {
  const consumer = await getConsumerRecord(deps.db, tenant, id);
  if (!consumer) throw consumerNotFound();
  return consumer;
}

/** Signs the consumer out everywhere: every session, on every server process within a second. */
export async function signOutEverywhere(deps: Deps, tenant: TenantScope, actor: Actor, id: string) {
  await requireConsumer(deps, tenant, id);
  return applyChange(deps, inMode(tenant, actor), async (trx, audit) => {
    const { revoked, invalidate } = await revokeConsumerSessionsIn(
      deps,
      trx,
      tenant,
      { consumerId: id },
      "revoked_by_merchant",
    );
    const after = { revokedSessions: revoked.length };
    await audit({ action: "consumer.sessions_revoked", targetType: "consumer", targetId: id, after });
    return { result: { consumerId: id, revokedSessions: revoked.length }, invalidate };
  });
}

/**
 * Erases a consumer's personal data: the places they held are given up, their sessions end,
 * and what stays (entries, counts, the audit trail) no longer names them.
 */
export async function eraseConsumerData(deps: Deps, tenant: TenantScope, actor: Actor, id: string): Promise<void> {
  const consumer = await requireConsumer(deps, tenant, id);
  for (const place of await activeEntries(deps, tenant, id)) await leaveQueue(deps, tenant, place.queueId, id);
  await applyChange(deps, inMode(tenant, actor), async (trx, audit) => {
    await eraseConsumer(trx, tenant, consumer, isoAt(deps.clock.now()));
    await forgetFingerprints(trx, tenant, id);
    const { invalidate } = await revokeConsumerSessionsIn(deps, trx, tenant, { consumerId: id }, "erased");
    await audit({ action: "consumer.erased", targetType: "consumer", targetId: id });
    return { result: undefined, invalidate };
  });
}
