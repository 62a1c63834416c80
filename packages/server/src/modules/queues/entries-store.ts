import { type Selectable, sql, type Transaction, type Updateable } from "kysely";
import type { Db } from "../../db/database.js";
import { preparedQuery } from "../../db/prepared.js";
import type { Database, EntryStatus, QueueEntriesTable } from "../../db/schema.js";
import type { TenantScope } from "../../lib/tenant.js";
import { departureIncrements, FENWICK_DEPTH, prefixNodes } from "./positions.js";

export type Entry = Selectable<QueueEntriesTable>;
type Executor = Db["kysely"] | Transaction<Database>;

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

function liveQueue(trx: Transaction<Database>, scope: TenantScope, queueId: string) {
  return trx
    .updateTable("queues")
    .where("organization_id", "=", scope.organizationId)
    .where("mode", "=", scope.mode)
    .where("id", "=", queueId)
    .where("deleted_at", "is", null);
}

/**
 * Hands out the next arrival number and counts one more waiting place. The row lock this
 * takes is what orders concurrent entries; a rolled-back entry gives its number back.
 */
export async function takeSeq(trx: Transaction<Database>, scope: TenantScope, queueId: string) {
  const row = await liveQueue(trx, scope, queueId)
    .set((eb) => ({ last_seq: eb("last_seq", "+", 1), waiting_count: eb("waiting_count", "+", 1) }))
    .returning(counterColumns)
    .executeTakeFirst();
  return row ? toCounters(row) : undefined;
}

/** Locks the queue's row for the rest of the transaction: every change to its entries goes through here. */
export async function lockQueue(trx: Transaction<Database>, scope: TenantScope, queueId: string) {
  const row = await liveQueue(trx, scope, queueId)
    .set((eb) => ({ last_seq: eb.ref("last_seq") }))
    .returning(counterColumns)
    .executeTakeFirst();
  return row ? toCounters(row) : undefined;
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

const entryQuery = (executor: Executor, queueId: string, consumerId: string, organizationId: string, mode: string) =>
  executor
    .selectFrom("queue_entries")
    .selectAll()
    .where("queue_id", "=", queueId)
    .where("consumer_id", "=", consumerId)
    .where("organization_id", "=", organizationId)
    .where("mode", "=", mode as TenantScope["mode"]);
// Status polling reads an entry on every request: outside transactions the query is compiled once.
const selectEntry = preparedQuery(4, entryQuery);

/** A consumer's entry, read inside a transaction. */
export async function getEntry(
  trx: Transaction<Database>,
  scope: TenantScope,
  queueId: string,
  consumerId: string,
): Promise<Entry | undefined> {
  return entryQuery(trx, queueId, consumerId, scope.organizationId, scope.mode).executeTakeFirst();
}

/** A consumer's entry, read on its own. */
export async function readEntry(
  db: Db,
  scope: TenantScope,
  queueId: string,
  consumerId: string,
): Promise<Entry | undefined> {
  const [row] = await selectEntry(db, queueId, consumerId, scope.organizationId, scope.mode);
  return row;
}

export async function insertEntry(trx: Transaction<Database>, entry: Entry): Promise<void> {
  await trx.insertInto("queue_entries").values(entry).execute();
}

export async function updateEntry(
  trx: Transaction<Database>,
  entry: Pick<Entry, "queue_id" | "consumer_id">,
  patch: Updateable<QueueEntriesTable>,
): Promise<void> {
  await trx
    .updateTable("queue_entries")
    .set(patch)
    .where("queue_id", "=", entry.queue_id)
    .where("consumer_id", "=", entry.consumer_id)
    .execute();
}

// Always FENWICK_DEPTH node slots (unused ones are node 0, which never exists), so the query
// has one shape and is compiled once.
const sumDepartures = preparedQuery(1 + FENWICK_DEPTH, (kysely, queueId: string, ...nodes: number[]) =>
  kysely
    .selectFrom("queue_departures")
    .select((eb) => eb.fn.coalesce(eb.fn.sum<number>("departed"), sql<number>`0`).as("total"))
    .where("queue_id", "=", queueId)
    .where("node", "in", nodes),
);

/** How many entries that arrived at or before `seq` have stopped waiting: at most 30 rows summed. */
export async function departedThrough(db: Db, queueId: string, seq: number): Promise<number> {
  const nodes = prefixNodes(seq);
  if (nodes.length === 0) return 0;
  const slots = [...nodes, ...Array<number>(FENWICK_DEPTH - nodes.length).fill(0)];
  const [row] = await sumDepartures(db, queueId, ...slots);
  return Number(row?.total ?? 0);
}

export async function recordDepartures(trx: Transaction<Database>, queueId: string, seqs: number[]): Promise<void> {
  const rows = [...departureIncrements(seqs)].map(([node, departed]) => ({ queue_id: queueId, node, departed }));
  // SQLite binds at most 32766 parameters per statement: 3 per row.
  for (let start = 0; start < rows.length; start += 5000) {
    await trx
      .insertInto("queue_departures")
      .values(rows.slice(start, start + 5000))
      .onConflict((oc) =>
        oc
          .columns(["queue_id", "node"])
          .doUpdateSet((eb) => ({ departed: eb("queue_departures.departed", "+", eb.ref("excluded.departed")) })),
      )
      .execute();
  }
}

/** The next `count` waiting entries, in arrival order. */
export async function nextWaiting(trx: Transaction<Database>, queueId: string, count: number): Promise<Entry[]> {
  return trx
    .selectFrom("queue_entries")
    .selectAll()
    .where("queue_id", "=", queueId)
    .where("status", "=", "QUEUED")
    .orderBy("seq")
    .limit(count)
    .execute();
}

/** Admits every waiting entry up to and including arrival number `throughSeq`. */
export async function admitThrough(
  trx: Transaction<Database>,
  queueId: string,
  throughSeq: number,
  patch: { admitted_at: string; admission_expires_at: string },
): Promise<void> {
  await trx
    .updateTable("queue_entries")
    .set({ status: "ADMITTED", ...patch, updated_at: patch.admitted_at })
    .where("queue_id", "=", queueId)
    .where("status", "=", "QUEUED")
    .where("seq", "<=", throughSeq)
    .execute();
}

/** Marks admissions whose time ran out; returns how many places that freed. */
export async function expireAdmissions(trx: Transaction<Database>, queueId: string, now: string): Promise<number> {
  const result = await trx
    .updateTable("queue_entries")
    .set((eb) => ({ status: "EXPIRED", finished_at: eb.ref("admission_expires_at"), updated_at: now }))
    .where("queue_id", "=", queueId)
    .where("status", "=", "ADMITTED")
    .where("admission_expires_at", "<=", now)
    .executeTakeFirst();
  return Number(result.numUpdatedRows);
}

/** A consumer's entries in the given states, newest first. */
export async function entriesOfConsumer(
  db: Db,
  scope: TenantScope,
  consumerId: string,
  statuses: readonly EntryStatus[],
  limit: number,
): Promise<Entry[]> {
  return db.kysely
    .selectFrom("queue_entries")
    .selectAll()
    .where("organization_id", "=", scope.organizationId)
    .where("mode", "=", scope.mode)
    .where("consumer_id", "=", consumerId)
    .where("status", "in", statuses)
    .orderBy("entered_at", "desc")
    .limit(limit)
    .execute();
}

/** A guest who signed in keeps their places: the entries move to the new consumer. */
export async function moveEntries(db: Db, scope: TenantScope, from: string, to: string, now: string) {
  await db.kysely
    .updateTable("queue_entries")
    .set({ consumer_id: to, updated_at: now })
    .where("organization_id", "=", scope.organizationId)
    .where("mode", "=", scope.mode)
    .where("consumer_id", "=", from)
    .execute();
}

/** Erasure: the device identifiers go; the entries stay for counts. */
export async function forgetFingerprints(trx: Transaction<Database>, scope: TenantScope, consumerId: string) {
  await trx
    .updateTable("queue_entries")
    .set({ fingerprint: null })
    .where("organization_id", "=", scope.organizationId)
    .where("mode", "=", scope.mode)
    .where("consumer_id", "=", consumerId)
    .execute();
}
