import type { Logger } from "pino";
import type { Db } from "../../db/database.js";
import { GroupCommit, type GroupCommitOptions, type ItemOutcome } from "../../db/group-commit.js";
import { failsEveryWrite } from "../../db/shared-transaction.js";
import { isStorageUnavailable } from "../../db/storage-errors.js";
import { AppError, errors, unavailableDependency } from "../../http/errors.js";
import type { Clock } from "../../lib/clock.js";
import type { Arrival } from "./arrival-plan.js";
import type { ArrivalResult } from "./arrival-result.js";
import { writeLockFirst } from "./lock-first.js";
import { writeNumbersFirst } from "./numbers-first.js";
import { PlanningRows } from "./planning-rows.js";

/**
 * One batch of a queue in flight per process: that is this process's mutex over the queue's
 * numbers (batches leave in acceptance order and whatever arrives during a commit goes in the
 * next). Between processes, the queue row is the lock. A second batch in flight would only wait
 * for that lock, and the wait cap would cut the stream into batches of a few arrivals each paying
 * a whole commit (measured on PostgreSQL: ~370 enters/s).
 */
export const ARRIVAL_BATCHES: GroupCommitOptions = { maxBatch: 256, maxWaitMs: 5, maxInFlight: 1 };

/** How a batch was written: numbers first, lock first, or one arrival at a time after a fault. */
export type ArrivalPath = "numbers_first" | "lock_first" | "one_by_one";

/** What a batch tells the process's instruments: its size and path, and the new places it gave a queue. */
export interface ArrivalObserver {
  batch(size: number, path: ArrivalPath): void;
  placesTaken(queueId: string, count: number): void;
}

/**
 * Arrivals to a queue in group commits. A batch is written numbers first (`numbers-first.ts`: no
 * lock held across a round trip) and, when that cannot decide it, lock first (`lock-first.ts`).
 * Nothing is answered before the commit. A batch that fails for a logical reason (a constraint, a
 * trigger) is written again one arrival at a time, so only the faulty arrival fails (503); an
 * unreachable database or a full disk fails the whole batch (503), and a failure that is itself an
 * answer (like 404) answers every arrival of the batch.
 */
export class ArrivalWriter {
  private readonly batches: GroupCommit<Arrival, ArrivalResult>;
  private readonly planningRows: PlanningRows;

  constructor(
    private readonly db: Db,
    private readonly clock: Clock,
    private readonly logger: Logger,
    private readonly observer: ArrivalObserver,
    options: GroupCommitOptions = ARRIVAL_BATCHES,
  ) {
    this.batches = new GroupCommit((_key, arrivals) => this.observed(arrivals), options);
    this.planningRows = new PlanningRows(db, clock);
  }

  enter(arrival: Arrival): Promise<ArrivalResult> {
    const { organizationId, mode } = arrival.tenant;
    return this.batches.submit(`${organizationId}:${mode}:${arrival.queueId}`, arrival);
  }

  /** Transactions written so far. */
  get batchCount(): number {
    return this.batches.batchCount;
  }

  private async observed(arrivals: Arrival[]): Promise<ItemOutcome<ArrivalResult>[]> {
    const { outcomes, path } = await this.write(arrivals);
    this.observer.batch(arrivals.length, path);
    const taken = outcomes.filter((outcome) => outcome.ok && outcome.value.created).length;
    if (taken > 0 && arrivals[0]) this.observer.placesTaken(arrivals[0].queueId, taken);
    return outcomes;
  }

  private async write(arrivals: Arrival[]): Promise<{ outcomes: ItemOutcome<ArrivalResult>[]; path: ArrivalPath }> {
    try {
      try {
        const decided = await writeNumbersFirst(this.db, this.clock, this.planningRows, arrivals);
        if (decided) return { outcomes: decided, path: "numbers_first" };
        this.forgetPlanningRow(arrivals);
        return { outcomes: await writeLockFirst(this.db, this.clock, arrivals), path: "lock_first" };
      } catch (err) {
        this.forgetPlanningRow(arrivals);
        if (arrivals.length === 1 || err instanceof AppError || failsEveryWrite(err)) throw err;
        return { outcomes: await this.oneByOne(arrivals), path: "one_by_one" };
      }
    } catch (err) {
      throw this.refusal(err, arrivals.length);
    }
  }

  /**
   * One arrival's fault must not fail the others: each is written again alone, one after another
   * in acceptance order (numbers stay dense and in order).
   */
  private async oneByOne(arrivals: Arrival[]): Promise<ItemOutcome<ArrivalResult>[]> {
    const outcomes: ItemOutcome<ArrivalResult>[] = [];
    for (const arrival of arrivals) {
      try {
        outcomes.push(...(await writeLockFirst(this.db, this.clock, [arrival])));
      } catch (error) {
        outcomes.push({ ok: false, error: this.refusal(error, 1) });
      }
    }
    return outcomes;
  }

  /** A batch that could not go numbers first may have met a changed queue: its next plan reads the row. */
  private forgetPlanningRow([first]: Arrival[]): void {
    if (first) this.planningRows.forget(first.tenant, first.queueId);
  }

  /** What arrivals whose write failed are answered: an AppError as it is, anything else 503. */
  private refusal(err: unknown, arrivals: number): AppError {
    if (err instanceof AppError) return err;
    // A full or failing disk is logged once per outage by the database handle, not per batch.
    if (!isStorageUnavailable(err))
      this.logger.error({ err, arrivals }, "a batch of queue arrivals could not be written");
    return unavailableDependency(err) ?? errors.serviceUnavailable();
  }
}
