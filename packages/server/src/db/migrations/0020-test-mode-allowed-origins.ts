import type { Kysely } from "kysely";

export async function up(db: Kysely<unknown>): Promise<void> {
  // Test mode gets its own allowed origins; null (every existing organization) is its default,
  // a developer's machine, instead of live mode's list.
  await db.schema.alterTable("organizations").addColumn("test_allowed_origins", "text").execute();
}
