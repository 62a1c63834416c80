import type { Kysely } from "kysely";

export async function up(db: Kysely<unknown>): Promise<void> {
  /**
   * Request counts per key per minute and per hour. Both are written by the same batched flush
   * (so the hourly series is exact, never a lossy roll-up); retention prunes minutes after 7 days
   * and hours after 90.
   */
  await db.schema
    .createTable("api_key_usage")
    .addColumn("key_id", "text", (c) => c.notNull())
    .addColumn("granularity", "text", (c) => c.notNull())
    .addColumn("bucket_start", "text", (c) => c.notNull())
    .addColumn("organization_id", "text", (c) => c.notNull())
    .addColumn("mode", "text", (c) => c.notNull())
    .addColumn("requests", "integer", (c) => c.notNull())
    .addColumn("successes", "integer", (c) => c.notNull())
    .addColumn("client_errors", "integer", (c) => c.notNull())
    .addColumn("server_errors", "integer", (c) => c.notNull())
    .addColumn("rate_limited", "integer", (c) => c.notNull())
    .addPrimaryKeyConstraint("api_key_usage_pk", ["key_id", "granularity", "bucket_start"])
    .execute();
  await db.schema
    .createIndex("api_key_usage_by_tenant")
    .on("api_key_usage")
    .columns(["organization_id", "mode", "granularity", "bucket_start"])
    .execute();
}
