import type { Kysely } from "kysely";

/**
 * A queue's pace during a drop, in 10-second buckets: arrivals, admissions, enters refused by a
 * rate limit, and the enter latency histogram (one `enter_le_<ms>` kind per bound). Each process
 * counts in memory and adds its counts here every flush, so the drop's control room reads the
 * same figures whichever process serves it. Rows expire a day after their bucket.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .createTable("queue_activity")
    .addColumn("queue_id", "text", (c) => c.notNull())
    .addColumn("bucket_start", "text", (c) => c.notNull())
    .addColumn("kind", "text", (c) => c.notNull())
    .addColumn("count", "integer", (c) => c.notNull())
    .addColumn("expires_at", "text", (c) => c.notNull())
    .addPrimaryKeyConstraint("queue_activity_pk", ["queue_id", "bucket_start", "kind"])
    .execute();
  await db.schema.createIndex("queue_activity_by_expiry").on("queue_activity").column("expires_at").execute();
}
