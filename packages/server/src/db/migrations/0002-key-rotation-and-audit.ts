import type { Kysely } from "kysely";

export async function up(db: Kysely<unknown>): Promise<void> {
  // A regenerated key's old digest keeps working until its grace period ends.
  await db.schema
    .createTable("api_key_previous_digests")
    .addColumn("digest", "text", (c) => c.primaryKey())
    .addColumn("key_id", "text", (c) => c.notNull().references("api_keys.id"))
    .addColumn("expires_at", "text", (c) => c.notNull())
    .execute();
  await db.schema
    .createIndex("api_key_previous_digests_by_key")
    .on("api_key_previous_digests")
    .column("key_id")
    .execute();

  await db.schema
    .createTable("audit_log")
    .addColumn("id", "text", (c) => c.primaryKey())
    .addColumn("organization_id", "text", (c) => c.notNull().references("organizations.id"))
    .addColumn("mode", "text", (c) => c.notNull())
    .addColumn("action", "text", (c) => c.notNull())
    .addColumn("actor_type", "text", (c) => c.notNull())
    .addColumn("actor_id", "text")
    .addColumn("target_type", "text", (c) => c.notNull())
    .addColumn("target_id", "text", (c) => c.notNull())
    .addColumn("ip", "text")
    .addColumn("request_id", "text")
    .addColumn("before", "text")
    .addColumn("after", "text")
    .addColumn("created_at", "text", (c) => c.notNull())
    .execute();
  await db.schema
    .createIndex("audit_log_by_tenant")
    .on("audit_log")
    .columns(["organization_id", "mode", "id"])
    .execute();
}
