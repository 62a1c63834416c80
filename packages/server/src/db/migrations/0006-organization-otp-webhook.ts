import type { Kysely } from "kysely";

export async function up(db: Kysely<unknown>): Promise<void> {
  // An organization may route its one-time codes to its own gateway instead of the server default.
  await db.schema.alterTable("organizations").addColumn("otp_webhook_url", "text").execute();
  await db.schema.alterTable("organizations").addColumn("otp_webhook_secret_sealed", "text").execute();
}
