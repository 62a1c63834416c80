import type { Kysely } from "kysely";

/**
 * One-time codes sent to people, counted per organization, mode and hour: how many reached the
 * provider and how many were given up after their retries, with the latest of each, so a merchant
 * sees (and is alerted) when shoppers stop getting their codes. Rows expire after 90 days.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .createTable("code_deliveries")
    .addColumn("organization_id", "text", (c) => c.notNull())
    .addColumn("mode", "text", (c) => c.notNull())
    .addColumn("bucket_start", "text", (c) => c.notNull())
    .addColumn("delivered", "integer", (c) => c.notNull())
    .addColumn("failed", "integer", (c) => c.notNull())
    .addColumn("last_delivered_at", "text")
    .addColumn("last_failed_at", "text")
    .addColumn("expires_at", "text", (c) => c.notNull())
    .addPrimaryKeyConstraint("code_deliveries_pk", ["organization_id", "mode", "bucket_start"])
    .execute();
  await db.schema.createIndex("code_deliveries_by_expiry").on("code_deliveries").column("expires_at").execute();
}
