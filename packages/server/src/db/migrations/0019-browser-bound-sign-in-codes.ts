import type { Kysely } from "kysely";

/**
 * Dashboard sign-in codes are bound to the browser that asked for them: a row is keyed by a
 * digest of that browser's sign-in attempt cookie, not by the email, so a guess from anywhere
 * else never reaches it, and it counts its own wrong guesses (5 end it, whatever the address).
 * Invitation acceptance codes live here too. Codes in flight live 10 minutes: they are dropped.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema.dropTable("dashboard_sign_in_codes").execute();
  await db.schema
    .createTable("dashboard_sign_in_codes")
    .addColumn("attempt_digest", "text", (c) => c.primaryKey())
    .addColumn("digest", "text", (c) => c.notNull())
    .addColumn("attempts", "integer", (c) => c.notNull())
    .addColumn("expires_at", "text", (c) => c.notNull())
    .execute();
  await db.schema
    .createIndex("dashboard_sign_in_codes_by_expiry")
    .on("dashboard_sign_in_codes")
    .column("expires_at")
    .execute();
}
