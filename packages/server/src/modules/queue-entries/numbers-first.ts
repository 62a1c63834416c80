import type { Db } from "../../db/database.js";
import type { ItemOutcome } from "../../db/group-commit.js";
import type { Clock } from "../../lib/clock.js";
import { type Arrival, type ArrivalPlan, planArrivals } from "./arrival-plan.js";
import { type ArrivalResult, withDepartures } from "./arrival-result.js";
import type { QueueForArrivals } from "./line-counters.js";
import type { PlanningRows } from "./planning-rows.js";
import { refusalOfNewPlaces } from "./rules.js";
import { entriesOfConsumersIn, insertArrivalsIfUnchanged } from "./store.js";

/**
 * The drop's case: a batch of places already held and new places, decided from reads without a
 * lock and written by one statement that takes its numbers from the queue's row only if the row
 * still allows what was decided, and inserts the entries. On PostgreSQL that statement commits on
 * its own, so the row's lock is held for no round trip of ours and batches of several processes do
 * not wait on one another's network turns. Answers undefined, having written nothing, when the
 * batch needs the lock: it re-enters or refuses someone, or the queue (window, capacity, deletion)
 * or one of its consumers' places changed between the read and the write. The queue's row comes
 * from `rows` (at most a second old); only the places are read for each batch.
 */
export async function writeNumbersFirst(
  db: Db,
  clock: Clock,
  rows: PlanningRows,
  arrivals: readonly Arrival[],
): Promise<ItemOutcome<ArrivalResult>[] | undefined> {
  const [first] = arrivals;
  if (!first) return [];
  const { tenant, queueId } = first;
  const consumerIds = [...new Set(arrivals.map((arrival) => arrival.consumerId))];
  const [seen, existing] = await Promise.all([
    rows.get(tenant, queueId),
    entriesOfConsumersIn(db.kysely, db.dialect, tenant, queueId, consumerIds),
  ]);
  if (!seen) return undefined;
  const nowMs = clock.now();
  const planFor = (row: QueueForArrivals) =>
    planArrivals(arrivals, existing, { counters: row.counters, refusal: refusalOfNewPlaces(row.window, nowMs) }, nowMs);
  const plan = planFor(seen);
  if (!onlyPlacesHeldAndNew(plan)) return undefined;
  if (plan.taken === 0) return plan.outcomes;
  const numbers = await insertArrivalsIfUnchanged(db, tenant, queueId, seen, plan.inserts);
  if (!numbers) return undefined;
  rows.took(tenant, queueId, numbers, plan.taken);
  const numbered = planFor({ ...seen, counters: { ...seen.counters, lastSeq: numbers.base } });
  // Everyone numbered at or below the base who is not waiting has left the line before them.
  return withDepartures(numbered.outcomes, numbers.base - numbers.waitingBefore);
}

/** Every arrival either holds its place already or takes a new one: nothing refused, nothing re-entered. */
function onlyPlacesHeldAndNew(plan: ArrivalPlan): boolean {
  return plan.reentries.length === 0 && plan.admitted === 0 && plan.outcomes.every((outcome) => outcome.ok);
}
