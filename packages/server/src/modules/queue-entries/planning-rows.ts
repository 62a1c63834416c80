import type { Db } from "../../db/database.js";
import type { Clock } from "../../lib/clock.js";
import { LruCache } from "../../lib/lru.js";
import type { TenantScope } from "../../lib/tenant.js";
import { type NumbersTaken, type QueueForArrivals, readQueueForArrivals } from "./line-counters.js";

/** A row planned with is read again after this; the statement that takes numbers checks it anyway. */
const PLANNING_ROW_MAX_AGE_MS = 1000;
const QUEUES_KEPT = 10_000;

/**
 * The queue rows that numbers-first plans its batches with, kept between batches instead of read
 * for each one: with several processes each batches only its own arrivals, so batches are smaller
 * and a read per batch is a larger share of every arrival. A row may be stale: the statement that
 * takes numbers matches only if the queue still allows what the plan decided (window, room, not
 * deleted), and a plan that refused someone goes lock first, where the row is read under its lock.
 * After a batch its numbers are known exactly; a batch that did not go numbers first forgets the row.
 */
export class PlanningRows {
  private readonly rows = new LruCache<string, { row: QueueForArrivals; readAtMs: number }>(QUEUES_KEPT);

  constructor(
    private readonly db: Db,
    private readonly clock: Clock,
  ) {}

  async get(tenant: TenantScope, queueId: string): Promise<QueueForArrivals | undefined> {
    const key = keyOf(tenant, queueId);
    const kept = this.rows.get(key);
    const nowMs = this.clock.now();
    if (kept && nowMs - kept.readAtMs < PLANNING_ROW_MAX_AGE_MS) return kept.row;
    const row = await readQueueForArrivals(this.db, tenant, queueId);
    if (row) this.rows.set(key, { row, readAtMs: nowMs });
    else this.rows.delete(key);
    return row;
  }

  /** The row after a batch took `taken` numbers from it: its last number and its waiting count are now known. */
  took(tenant: TenantScope, queueId: string, numbers: NumbersTaken, taken: number): void {
    const key = keyOf(tenant, queueId);
    const kept = this.rows.get(key);
    if (!kept) return;
    const counters = { ...kept.row.counters, lastSeq: numbers.base + taken, waiting: numbers.waitingBefore + taken };
    this.rows.set(key, { row: { ...kept.row, counters }, readAtMs: kept.readAtMs });
  }

  forget(tenant: TenantScope, queueId: string): void {
    this.rows.delete(keyOf(tenant, queueId));
  }
}

const keyOf = (tenant: TenantScope, queueId: string) => `${tenant.organizationId}:${tenant.mode}:${queueId}`;
