import type { Kysely } from "kysely";

export async function up(db: Kysely<unknown>): Promise<void> {
  // One row per identifier: a new code replaces the previous one; the failure budget persists.
  await db.schema
    .createTable("otp_codes")
    .addColumn("organization_id", "text", (c) => c.notNull().references("organizations.id"))
    .addColumn("mode", "text", (c) => c.notNull())
    .addColumn("identifier", "text", (c) => c.notNull())
    .addColumn("channel", "text", (c) => c.notNull())
    .addColumn("digest", "text", (c) => c.notNull())
    .addColumn("expires_at", "text", (c) => c.notNull())
    .addColumn("attempts", "integer", (c) => c.notNull())
    .addColumn("sent_at", "text", (c) => c.notNull())
    .addColumn("consumed_at", "text")
    .addColumn("failures", "integer", (c) => c.notNull())
    .addColumn("failure_window_started_at", "text")
    .addColumn("locked_until", "text")
    .addPrimaryKeyConstraint("otp_codes_pk", ["organization_id", "mode", "identifier"])
    .execute();

  await db.schema
    .createTable("test_outbox")
    .addColumn("id", "text", (c) => c.primaryKey())
    .addColumn("organization_id", "text", (c) => c.notNull().references("organizations.id"))
    .addColumn("mode", "text", (c) => c.notNull())
    .addColumn("recipient", "text", (c) => c.notNull())
    .addColumn("channel", "text", (c) => c.notNull())
    .addColumn("code", "text", (c) => c.notNull())
    .addColumn("created_at", "text", (c) => c.notNull())
    .execute();
  await db.schema
    .createIndex("test_outbox_by_recipient")
    .on("test_outbox")
    .columns(["organization_id", "recipient"])
    .execute();

  await db.schema
    .alterTable("organizations")
    .addColumn("sms_allowed_countries", "text", (c) => c.notNull().defaultTo('["US"]'))
    .execute();
}
