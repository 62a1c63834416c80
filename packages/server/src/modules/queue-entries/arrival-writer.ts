import type { Transaction } from "kysely";
import type { Logger } from "pino";
import { type Db, isDatabaseUnavailable } from "../../db/database.js";
import { GroupCommit, type GroupCommitOptions, type ItemOutcome } from "../../db/group-commit.js";
import type { Database } from "../../db/schema.js";
import { AppError, errors } from "../../http/errors.js";
import { type Clock, isoAt } from "../../lib/clock.js";
import {
  advanceQueue,
  lockQueueForArrivals,
  type QueueForArrivals,
  queueNotFound,
  readQueueForArrivals,
  takeArrivalNumbers,
} from "../queues/index.js";
import {
  type Arrival,
  type ArrivalOutcome,
  type ArrivalPlan,
  planArrivals,
  withLapsedExpired,
} from "./arrival-plan.js";
import { refusalOfNewPlaces } from "./rules.js";
import {
  departedThroughIn,
  type Entry,
  entriesOfConsumersIn,
  expireAdmissions,
  insertEntries,
  insertEntriesOfNewcomers,
  updateEntry,
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
  /** For a new place: the departures before it, read under the lock (saves a read per arrival). */
  departedBefore?: number;
}

/**
 * Arrivals to a queue in group commits: a batch reads the queue's row and the places its
 * consumers already hold without a lock, decides every arrival in order, then in one transaction
 * takes its numbers in the statement that locks the row, reads the departures before them, writes
 * one multi-row insert and commits: the row's lock is held for three round trips and the commit,
 * whatever the batch's size. A batch that this cannot decide alone (a re-entry, a refusal, or a
 * queue that changed between the read and the lock) is written lock first. Nothing is answered
 * before the commit. A batch that fails
 * for a logical reason (a constraint, a trigger) is written again one arrival at a time, so only
 * the faulty arrival fails (503); an unreachable database fails the whole batch (503), and a
 * failure that is itself an answer (like 404) answers every arrival of the batch.
 */
export class ArrivalWriter {
  private readonly batches: GroupCommit<Arrival, ArrivalResult>;
  /** Per queue, the latest batch's lock: batches of this process lock in the order they were formed. */
  private readonly lockTurns = new Map<string, Promise<void>>();

  constructor(
    private readonly db: Db,
    private readonly clock: Clock,
    private readonly logger: Logger,
    options: GroupCommitOptions = ARRIVAL_BATCHES,
  ) {
    this.batches = new GroupCommit((key, arrivals) => this.write(key, arrivals), options);
  }

  enter(arrival: Arrival): Promise<ArrivalResult> {
    const { organizationId, mode } = arrival.tenant;
    return this.batches.submit(`${organizationId}:${mode}:${arrival.queueId}`, arrival);
  }

  /** Transactions written so far. */
  get batchCount(): number {
    return this.batches.batchCount;
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
        if (arrivals.length === 1 || err instanceof AppError || isDatabaseUnavailable(err)) throw err;
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
   * The common case with the lock held for the fewest round trips: the queue's row and the places
   * already held are read before any lock, and a batch made only of places already held and new
   * places (no re-entry, no refusal) then locks the row in the statement that takes its numbers,
   * reads the departures before them and inserts. Whatever changed in between (a concurrent
   * duplicate, the window, capacity, a deleted queue) rolls it back and answers undefined: the
   * batch is then written the strict way, lock first.
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
    try {
      return await this.db.kysely.transaction().execute(async (trx) => {
        const row = await takeArrivalNumbers(trx, tenant, queueId, plan.taken);
        locked();
        if (!row) throw new Contended();
        const numbered = planFor(row);
        if (!onlyPlacesHeldAndNew(numbered) || numbered.taken !== plan.taken) throw new Contended();
        const departedBefore = await departedThroughIn(trx, queueId, row.counters.lastSeq);
        const inserted = await insertEntriesOfNewcomers(trx, this.db.dialect, numbered.inserts);
        if (inserted !== numbered.inserts.length) throw new Contended();
        return withDepartures(numbered.outcomes, departedBefore);
      });
    } catch (err) {
      if (err instanceof Contended) return undefined;
      throw err;
    }
  }

  private transact(arrivals: Arrival[], locked: () => void): Promise<ItemOutcome<ArrivalResult>[]> {
    return this.db.kysely.transaction().execute((trx) => this.writeBatch(trx, arrivals, locked));
  }

  /** What arrivals whose write failed are answered: an AppError as it is, anything else 503. */
  private refusal(err: unknown, arrivals: number): AppError {
    if (err instanceof AppError) return err;
    this.logger.error({ err, arrivals }, "a batch of queue arrivals could not be written");
    return errors.serviceUnavailable();
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
    for (const entry of plan.reentries) await updateEntry(trx, entry, entry);
    if (plan.taken > 0 || freed > 0) {
      await advanceQueue(trx, queueId, { taken: plan.taken, waiting: plan.taken, admitted: plan.admitted - freed });
    }
    return withDepartures(plan.outcomes, departedBefore);
  }
}

/** Rolls back a batch that planned without the lock and found the queue changed under it. */
class Contended extends Error {}

/** Every arrival either holds its place already or takes a new one: nothing refused, nothing re-entered. */
function onlyPlacesHeldAndNew(plan: ArrivalPlan): boolean {
  return plan.reentries.length === 0 && plan.admitted === 0 && plan.outcomes.every((outcome) => outcome.ok);
}

function withDepartures(outcomes: ArrivalOutcome[], departedBefore: number): ItemOutcome<ArrivalResult>[] {
  return outcomes.map((outcome) =>
    outcome.ok && outcome.value.created ? { ok: true, value: { ...outcome.value, departedBefore } } : outcome,
  );
}
