import type { Kysely } from "kysely";

export async function up(db: Kysely<unknown>): Promise<void> {
  // Counters kept under the queue row's lock: the next arrival number, and how many places are held.
  await db.schema
    .alterTable("queues")
    .addColumn("last_seq", "integer", (c) => c.notNull().defaultTo(0))
    .execute();
  await db.schema
    .alterTable("queues")
    .addColumn("waiting_count", "integer", (c) => c.notNull().defaultTo(0))
    .execute();
  await db.schema
    .alterTable("queues")
    .addColumn("admitted_count", "integer", (c) => c.notNull().defaultTo(0))
    .execute();

  await db.schema
    .createTable("queue_entries")
    .addColumn("queue_id", "text", (c) => c.notNull().references("queues.id"))
    .addColumn("consumer_id", "text", (c) => c.notNull())
    .addColumn("organization_id", "text", (c) => c.notNull())
    .addColumn("mode", "text", (c) => c.notNull())
    /** Arrival number in the queue: dense, 1-based, never reused (a re-entry takes a new one). */
    .addColumn("seq", "integer", (c) => c.notNull())
    .addColumn("status", "text", (c) => c.notNull())
    .addColumn("fingerprint", "text")
    .addColumn("entered_at", "text", (c) => c.notNull())
    .addColumn("admitted_at", "text")
    .addColumn("admission_expires_at", "text")
    .addColumn("finished_at", "text")
    .addColumn("deny_reason", "text")
    .addColumn("updated_at", "text", (c) => c.notNull())
    .addPrimaryKeyConstraint("queue_entries_pk", ["queue_id", "consumer_id"])
    .addUniqueConstraint("queue_entries_seq", ["queue_id", "seq"])
    .execute();
  await db.schema
    .createIndex("queue_entries_by_status")
    .on("queue_entries")
    .columns(["queue_id", "status", "seq"])
    .execute();
  await db.schema
    .createIndex("queue_entries_by_consumer")
    .on("queue_entries")
    .columns(["organization_id", "mode", "consumer_id"])
    .execute();

  /**
   * A Fenwick tree per queue over arrival numbers, counting the places that stopped waiting
   * (admitted, denied, left): a position is `seq - departures before seq`, read from at most
   * 30 nodes instead of counting rows.
   */
  await db.schema
    .createTable("queue_departures")
    .addColumn("queue_id", "text", (c) => c.notNull())
    .addColumn("node", "integer", (c) => c.notNull())
    .addColumn("departed", "integer", (c) => c.notNull())
    .addPrimaryKeyConstraint("queue_departures_pk", ["queue_id", "node"])
    .execute();

  await db.schema.alterTable("consumers").addColumn("erased_at", "text").execute();
  await db.schema
    .createIndex("consumers_newest_first")
    .on("consumers")
    .columns(["organization_id", "mode", "created_at", "id"])
    .execute();
}
