import type { Transaction } from "kysely";
import type { Logger } from "pino";
import type { Db } from "../../db/database.js";
import { GroupCommit, type GroupCommitOptions, type ItemOutcome } from "../../db/group-commit.js";
import type { Database } from "../../db/schema.js";
import { failsEveryWrite } from "../../db/shared-transaction.js";
import { isStorageUnavailable } from "../../db/storage-errors.js";
import { AppError, errors, unavailableDependency } from "../../http/errors.js";
import { type Clock, isoAt } from "../../lib/clock.js";
import { queueNotFound } from "../queues/index.js";
import {
  type Arrival,
  type ArrivalOutcome,
  type ArrivalPlan,
  planArrivals,
  withLapsedExpired,
} from "./arrival-plan.js";
import { advanceQueue, lockQueueForArrivals, type QueueForArrivals, readQueueForArrivals } from "./line-counters.js";
import { refusalOfNewPlaces } from "./rules.js";
import {
  departedThroughIn,
  type Entry,
  entriesOfConsumersIn,
  expireAdmissions,
  insertArrivalsIfUnchanged,
  insertEntries,
  saveEntry,
} from "./store.js";

/**
 * One batch of a queue at a time: every batch holds the queue's row lock until it commits, so a
 * second one in flight only waits for that lock, and the wait cap would cut the stream into
 * batches of a few arrivals each paying a whole commit (measured on PostgreSQL: ~370 enters/s).
 * With one in flight, whatever arrives during a commit goes in the next.
 */
export const ARRIVAL_BATCHES: GroupCommitOptions = { maxBatch: 256, maxWaitMs: 5, maxInFlight: 1 };

export interface ArrivalResult {
  entry: Entry;
  created: boolean;
  /** For a new place: the departures before it, as the write saw them (saves a read per arrival). */
  departedBefore?: number;
}

/**
 * Arrivals to a queue in group commits. A batch reads the queue's row and the places its
 * consumers already hold without a lock and decides every arrival in order. A batch of places
 * already held and new places (the drop's case) is then written by one statement that takes its
 * numbers from the row only if the row still allows what was decided, and inserts the entries;
 * on PostgreSQL it commits on its own, so the row's lock is held for no round trip of ours and
 * batches of several processes do not wait on one another's network turns. A batch that this
 * cannot decide (a re-entry, a refusal, or a queue or place that changed since the read) is
 * written lock first, reading everything under the lock. Nothing is answered before the commit.
 * A batch that fails for a logical reason (a constraint, a trigger) is written again one arrival
 * at a time, so only the faulty arrival fails (503); an unreachable database or a full disk fails
 * the whole batch (503), and a failure that is itself an answer (like 404) answers every arrival of the
 * batch.
 */
/** What a batch tells the process's instruments: its size, and the new places it gave a queue. */
export interface ArrivalObserver {
  batch(size: number): void;
  placesTaken(queueId: string, count: number): void;
}

export class ArrivalWriter {
  private readonly batches: GroupCommit<Arrival, ArrivalResult>;
  /** Per queue, the latest batch's lock: batches of this process lock in the order they were formed. */
  private readonly lockTurns = new Map<string, Promise<void>>();

  constructor(
    private readonly db: Db,
    private readonly clock: Clock,
    private readonly logger: Logger,
    private readonly observer: ArrivalObserver,
    options: GroupCommitOptions = ARRIVAL_BATCHES,
  ) {
    this.batches = new GroupCommit((key, arrivals) => this.observed(key, arrivals), options);
  }

  enter(arrival: Arrival): Promise<ArrivalResult> {
    const { organizationId, mode } = arrival.tenant;
    return this.batches.submit(`${organizationId}:${mode}:${arrival.queueId}`, arrival);
  }

  /** Transactions written so far. */
  get batchCount(): number {
    return this.batches.batchCount;
  }

  private async observed(key: string, arrivals: Arrival[]): Promise<ItemOutcome<ArrivalResult>[]> {
    this.observer.batch(arrivals.length);
    const outcomes = await this.write(key, arrivals);
    const taken = outcomes.filter((outcome) => outcome.ok && outcome.value.created).length;
    if (taken > 0 && arrivals[0]) this.observer.placesTaken(arrivals[0].queueId, taken);
    return outcomes;
  }

  private async write(key: string, arrivals: Arrival[]): Promise<ItemOutcome<ArrivalResult>[]> {
    const previous = this.lockTurns.get(key);
    let locked = () => {};
    const turn = new Promise<void>((resolve) => {
      locked = resolve;
    });
    this.lockTurns.set(key, turn);
    try {
      // Two batches of one queue in flight (the second went at its wait cap) lock in order, so
      // arrival numbers follow acceptance; the second then waits in the database for the commit.
      await previous;
      try {
        return (await this.takeNumbersFirst(arrivals, locked)) ?? (await this.transact(arrivals, locked));
      } catch (err) {
        if (arrivals.length === 1 || err instanceof AppError || failsEveryWrite(err)) throw err;
        // One arrival's fault must not fail the others: each is written again alone, one after
        // another in acceptance order (numbers stay dense and in order), while we hold the turn.
        const outcomes: ItemOutcome<ArrivalResult>[] = [];
        for (const arrival of arrivals) {
          try {
            outcomes.push(...(await this.transact([arrival], locked)));
          } catch (error) {
            outcomes.push({ ok: false, error: this.refusal(error, 1) });
          }
        }
        return outcomes;
      }
    } catch (err) {
      throw this.refusal(err, arrivals.length);
    } finally {
      locked();
      if (this.lockTurns.get(key) === turn) this.lockTurns.delete(key);
    }
  }

  /**
   * The common case, decided from reads without a lock and written in one statement. Answers
   * undefined, having written nothing, when the batch needs the lock-first path: it re-enters or
   * refuses someone, or the queue (window, capacity, deletion) or one of its consumers' places
   * changed between the read and the write.
   */
  private async takeNumbersFirst(
    arrivals: Arrival[],
    locked: () => void,
  ): Promise<ItemOutcome<ArrivalResult>[] | undefined> {
    const [first] = arrivals;
    if (!first) return [];
    const { tenant, queueId } = first;
    const consumerIds = [...new Set(arrivals.map((arrival) => arrival.consumerId))];
    const [seen, existing] = await Promise.all([
      readQueueForArrivals(this.db, tenant, queueId),
      entriesOfConsumersIn(this.db.kysely, this.db.dialect, tenant, queueId, consumerIds),
    ]);
    if (!seen) return undefined;
    const nowMs = this.clock.now();
    const planFor = (row: QueueForArrivals) =>
      planArrivals(
        arrivals,
        existing,
        { counters: row.counters, refusal: refusalOfNewPlaces(row.window, nowMs) },
        nowMs,
      );
    const plan = planFor(seen);
    if (!onlyPlacesHeldAndNew(plan)) return undefined;
    if (plan.taken === 0) return plan.outcomes;
    const numbers = await insertArrivalsIfUnchanged(this.db, tenant, queueId, seen, plan.inserts);
    locked();
    if (!numbers) return undefined;
    const numbered = planFor({ ...seen, counters: { ...seen.counters, lastSeq: numbers.base } });
    // Everyone numbered at or below the base who is not waiting has left the line before them.
    return withDepartures(numbered.outcomes, numbers.base - numbers.waitingBefore);
  }

  private transact(arrivals: Arrival[], locked: () => void): Promise<ItemOutcome<ArrivalResult>[]> {
    return this.db.kysely.transaction().execute((trx) => this.writeBatch(trx, arrivals, locked));
  }

  /** What arrivals whose write failed are answered: an AppError as it is, anything else 503. */
  private refusal(err: unknown, arrivals: number): AppError {
    if (err instanceof AppError) return err;
    // A full or failing disk is logged once per outage by the database handle, not per batch.
    if (!isStorageUnavailable(err))
      this.logger.error({ err, arrivals }, "a batch of queue arrivals could not be written");
    return unavailableDependency(err) ?? errors.serviceUnavailable();
  }

  private async writeBatch(
    trx: Transaction<Database>,
    arrivals: Arrival[],
    locked: () => void,
  ): Promise<ItemOutcome<ArrivalResult>[]> {
    const [first] = arrivals;
    if (!first) return [];
    const { tenant, queueId } = first;
    const row = await lockQueueForArrivals(trx, tenant, queueId);
    locked();
    if (!row) throw queueNotFound();
    const { counters } = row;
    const nowMs = this.clock.now();
    const queue = { counters, refusal: refusalOfNewPlaces(row.window, nowMs) };
    // Read after the lock: no other process can add a place in this queue until we commit.
    let existing = await entriesOfConsumersIn(trx, this.db.dialect, tenant, queueId, [
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
    await insertEntries(trx, this.db.dialect, plan.inserts);
    for (const entry of plan.reentries) await saveEntry(trx, entry);
    if (plan.taken > 0 || freed > 0) {
      await advanceQueue(trx, queueId, { taken: plan.taken, waiting: plan.taken, admitted: plan.admitted - freed });
    }
    return withDepartures(plan.outcomes, departedBefore);
  }
}

/** Every arrival either holds its place already or takes a new one: nothing refused, nothing re-entered. */
function onlyPlacesHeldAndNew(plan: ArrivalPlan): boolean {
  return plan.reentries.length === 0 && plan.admitted === 0 && plan.outcomes.every((outcome) => outcome.ok);
}

function withDepartures(outcomes: ArrivalOutcome[], departedBefore: number): ItemOutcome<ArrivalResult>[] {
  return outcomes.map((outcome) =>
    outcome.ok && outcome.value.created ? { ok: true, value: { ...outcome.value, departedBefore } } : outcome,
  );
}
