import { type RawBuilder, sql, type Transaction } from "kysely";
import type { Db, DialectName } from "../../db/database.js";
import type { Database } from "../../db/schema.js";
import { inTenant } from "../../db/scoped-queries.js";
import type { TenantScope } from "../../lib/tenant.js";
import type { QueueWindow } from "../queues/index.js";

/*
 * The queue row's counter columns (last arrival number, places waiting and admitted) belong to the
 * line, not to the queue's definition: only entries change them, always under the row's lock or in
 * the one statement that takes numbers.
 */

/** Places held in one live queue, as its row's counters say. */
export interface QueuePlaces {
  queueId: string;
  waiting: number;
  admitted: number;
}

/**
 * Every live-mode queue's places, of every organization, from the row counters alone: what metrics
 * show. Test-mode queues are left out: a test key's experiments are nobody else's business.
 */
export async function placesInLiveQueues(db: Db): Promise<QueuePlaces[]> {
  const rows = await db.kysely
    .selectFrom("queues")
    .select(["id", "waiting_count", "admitted_count"])
    .where("mode", "=", "live")
    .where("deleted_at", "is", null)
    .execute();
  return rows.map((row) => ({ queueId: row.id, waiting: row.waiting_count, admitted: row.admitted_count }));
}

export interface QueueCounters {
  lastSeq: number;
  waiting: number;
  admitted: number;
  capacity: number | null;
}

const counterColumns = ["last_seq", "waiting_count", "admitted_count", "capacity"] as const;
const toCounters = (row: {
  last_seq: number;
  waiting_count: number;
  admitted_count: number;
  capacity: number | null;
}) => ({
  lastSeq: row.last_seq,
  waiting: row.waiting_count,
  admitted: row.admitted_count,
  capacity: row.capacity,
});

const arrivalColumns = [...counterColumns, "open_at", "close_at", "status_override"] as const;

/** The queue's row as arrivals see it: the counters, and the window that decides whether new places are given. */
export interface QueueForArrivals {
  counters: QueueCounters;
  window: QueueWindow;
}

const toQueueForArrivals = (row: {
  last_seq: number;
  waiting_count: number;
  admitted_count: number;
  capacity: number | null;
  open_at: string | null;
  close_at: string | null;
  status_override: "OPEN" | "CLOSED" | null;
}): QueueForArrivals => ({
  counters: toCounters(row),
  window: { openAt: row.open_at, closeAt: row.close_at, statusOverride: row.status_override },
});

/** Locks the queue's row for the rest of the transaction (a no-op update), and reads it as arrivals see it. */
export async function lockQueueForArrivals(
  trx: Transaction<Database>,
  scope: TenantScope,
  queueId: string,
): Promise<QueueForArrivals | undefined> {
  const row = await trx
    .updateTable("queues")
    .$call(inTenant(scope))
    .where("id", "=", queueId)
    .where("deleted_at", "is", null)
    .set((eb) => ({ last_seq: eb.ref("last_seq") }))
    .returning(arrivalColumns)
    .executeTakeFirst();
  return row ? toQueueForArrivals(row) : undefined;
}

/** The queue's row for arrivals, read without a lock: what a batch plans with before it takes numbers. */
export async function readQueueForArrivals(
  db: Db,
  scope: TenantScope,
  queueId: string,
): Promise<QueueForArrivals | undefined> {
  const row = await db.kysely
    .selectFrom("queues")
    .select(arrivalColumns)
    .$call(inTenant(scope))
    .where("id", "=", queueId)
    .where("deleted_at", "is", null)
    .executeTakeFirst();
  return row ? toQueueForArrivals(row) : undefined;
}

/** Where a batch's numbers start: the queue row just before it took them. */
export interface NumbersTaken {
  /** The last number before the batch's: its arrivals are `base + 1 …`. */
  base: number;
  /** Places waiting before the batch's, all numbered at or below `base`. */
  waitingBefore: number;
}

/**
 * The statement that takes `taken` arrival numbers for that many new waiting places, only if the
 * queue still is as `seen` (unlocked, earlier) for what decided the batch: its window unchanged,
 * still live, and room for all of them. It matches no row otherwise. A fragment, so that on
 * PostgreSQL the entries' insert can join it in one autocommitted statement: the row's lock is
 * then held only while that statement runs and commits.
 */
export function takeNumbersIfUnchanged(
  dialect: DialectName,
  scope: TenantScope,
  queueId: string,
  taken: number,
  seen: QueueWindow,
): RawBuilder<NumbersTaken> {
  const same = (column: string, value: string | null) =>
    dialect === "postgres"
      ? sql`${sql.ref(column)} is not distinct from ${value}`
      : sql`${sql.ref(column)} is ${value}`;
  return sql<NumbersTaken>`update queues
    set last_seq = last_seq + ${taken}, waiting_count = waiting_count + ${taken}
    where id = ${queueId} and organization_id = ${scope.organizationId} and mode = ${scope.mode}
      and deleted_at is null
      and (capacity is null or waiting_count + admitted_count + ${taken} <= capacity)
      and ${same("status_override", seen.statusOverride)} and ${same("open_at", seen.openAt)}
      and ${same("close_at", seen.closeAt)}
    returning last_seq - ${taken} as ${sql.ref("base")}, waiting_count - ${taken} as ${sql.ref("waitingBefore")}`;
}

/** Locks the queue's row for the rest of the transaction: every change to its entries goes through here. */
export async function lockQueue(
  trx: Transaction<Database>,
  scope: TenantScope,
  queueId: string,
): Promise<QueueCounters | undefined> {
  return (await lockQueueForArrivals(trx, scope, queueId))?.counters;
}

/** One batch of arrivals: `taken` new arrival numbers, and the places they changed. */
export async function advanceQueue(
  trx: Transaction<Database>,
  queueId: string,
  change: { taken: number; waiting: number; admitted: number },
): Promise<void> {
  await trx
    .updateTable("queues")
    .set((eb) => ({
      last_seq: eb("last_seq", "+", change.taken),
      waiting_count: eb("waiting_count", "+", change.waiting),
      admitted_count: eb("admitted_count", "+", change.admitted),
    }))
    .where("id", "=", queueId)
    .execute();
}

export async function adjustCounts(
  trx: Transaction<Database>,
  queueId: string,
  delta: { waiting: number; admitted: number },
): Promise<void> {
  if (delta.waiting === 0 && delta.admitted === 0) return;
  await trx
    .updateTable("queues")
    .set((eb) => ({
      waiting_count: eb("waiting_count", "+", delta.waiting),
      admitted_count: eb("admitted_count", "+", delta.admitted),
    }))
    .where("id", "=", queueId)
    .execute();
}
