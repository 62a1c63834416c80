import type { Kysely } from "kysely";

export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .createTable("queues")
    .addColumn("id", "text", (c) => c.primaryKey())
    .addColumn("organization_id", "text", (c) => c.notNull().references("organizations.id"))
    .addColumn("mode", "text", (c) => c.notNull())
    .addColumn("experience_id", "text", (c) => c.notNull().references("experiences.id"))
    .addColumn("name", "text", (c) => c.notNull())
    .addColumn("capacity", "integer")
    .addColumn("open_at", "text")
    .addColumn("close_at", "text")
    /** A manual OPEN/CLOSED that wins over the window; null follows the window. */
    .addColumn("status_override", "text")
    .addColumn("admission_ttl_seconds", "integer", (c) => c.notNull())
    .addColumn("created_at", "text", (c) => c.notNull())
    .addColumn("updated_at", "text", (c) => c.notNull())
    .addColumn("deleted_at", "text")
    .execute();
  await db.schema
    .createIndex("queues_by_experience")
    .on("queues")
    .columns(["organization_id", "mode", "experience_id", "id"])
    .execute();
}
