import type { Kysely } from "kysely";

export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .createTable("external_identities")
    .addColumn("organization_id", "text", (c) => c.notNull().references("organizations.id"))
    .addColumn("mode", "text", (c) => c.notNull())
    .addColumn("provider", "text", (c) => c.notNull())
    .addColumn("issuer", "text", (c) => c.notNull())
    .addColumn("subject", "text", (c) => c.notNull())
    .addColumn("consumer_id", "text", (c) => c.notNull().references("consumers.id"))
    .addColumn("canonical_subject", "text")
    .addColumn("email", "text")
    .addColumn("created_at", "text", (c) => c.notNull())
    .addPrimaryKeyConstraint("external_identities_pk", ["organization_id", "mode", "provider", "issuer", "subject"])
    .execute();
  await db.schema
    .createIndex("external_identities_by_canonical")
    .on("external_identities")
    .columns(["organization_id", "mode", "canonical_subject"])
    .execute();

  await db.schema
    .createTable("exchange_codes")
    .addColumn("digest", "text", (c) => c.primaryKey())
    .addColumn("organization_id", "text", (c) => c.notNull().references("organizations.id"))
    .addColumn("mode", "text", (c) => c.notNull())
    .addColumn("consumer_id", "text", (c) => c.notNull().references("consumers.id"))
    .addColumn("expires_at", "text", (c) => c.notNull())
    .addColumn("consumed_at", "text")
    /** The session the first redemption opened: a replay revokes it. */
    .addColumn("session_id", "text")
    /** Set by a second redemption, so a first one still finishing revokes its own session. */
    .addColumn("replayed_at", "text")
    .addColumn("created_at", "text", (c) => c.notNull())
    .execute();
}
