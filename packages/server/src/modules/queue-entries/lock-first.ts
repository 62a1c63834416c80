import type { Db } from "../../db/database.js";
import type { ItemOutcome } from "../../db/group-commit.js";
import { type Clock, isoAt } from "../../lib/clock.js";
import { queueNotFound } from "../queues/index.js";
import { type Arrival, planArrivals, withLapsedExpired } from "./arrival-plan.js";
import { type ArrivalResult, withDepartures } from "./arrival-result.js";
import { advanceQueue, lockQueueForArrivals } from "./line-counters.js";
import { refusalOfNewPlaces } from "./rules.js";
import { departedThroughIn, entriesOfConsumersIn, expireAdmissions, insertEntries, saveEntry } from "./store.js";

/**
 * Every case, in one transaction that locks the queue's row first and reads the batch's places
 * under the lock (no other process can add a place until it commits): re-entries, refusals, and
 * a full queue whose lapsed admissions free room.
 */
export function writeLockFirst(
  db: Db,
  clock: Clock,
  arrivals: readonly Arrival[],
): Promise<ItemOutcome<ArrivalResult>[]> {
  const [first] = arrivals;
  if (!first) return Promise.resolve([]);
  const { tenant, queueId } = first;
  return db.kysely.transaction().execute(async (trx) => {
    const row = await lockQueueForArrivals(trx, tenant, queueId);
    if (!row) throw queueNotFound();
    const { counters } = row;
    const nowMs = clock.now();
    const queue = { counters, refusal: refusalOfNewPlaces(row.window, nowMs) };
    let existing = await entriesOfConsumersIn(trx, db.dialect, tenant, queueId, [
      ...new Set(arrivals.map((arrival) => arrival.consumerId)),
    ]);
    let plan = planArrivals(arrivals, existing, queue, nowMs);
    let freed = 0;
    if (plan.refused > 0) {
      freed = await expireAdmissions(trx, queueId, isoAt(nowMs));
      if (freed > 0) {
        existing = withLapsedExpired(existing, nowMs);
        const admitted = counters.admitted - freed;
        plan = planArrivals(arrivals, existing, { ...queue, counters: { ...counters, admitted } }, nowMs);
      }
    }
    const departedBefore = plan.taken > 0 ? await departedThroughIn(trx, queueId, counters.lastSeq) : 0;
    await insertEntries(trx, db.dialect, plan.inserts);
    for (const entry of plan.reentries) await saveEntry(trx, entry);
    if (plan.taken > 0 || freed > 0) {
      await advanceQueue(trx, queueId, { taken: plan.taken, waiting: plan.taken, admitted: plan.admitted - freed });
    }
    return withDepartures(plan.outcomes, departedBefore);
  });
}
