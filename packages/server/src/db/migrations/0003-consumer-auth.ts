import type { Kysely } from "kysely";

export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .createTable("signing_keys")
    .addColumn("kid", "text", (c) => c.primaryKey())
    .addColumn("public_jwk", "text", (c) => c.notNull())
    /** PKCS#8 private key, AES-256-GCM encrypted with a key derived from FANFARE_SECRET. */
    .addColumn("private_key_encrypted", "text", (c) => c.notNull())
    .addColumn("created_at", "text", (c) => c.notNull())
    .addColumn("retired_at", "text")
    .execute();

  await db.schema
    .createTable("consumers")
    .addColumn("id", "text", (c) => c.primaryKey())
    .addColumn("organization_id", "text", (c) => c.notNull().references("organizations.id"))
    .addColumn("mode", "text", (c) => c.notNull())
    .addColumn("kind", "text", (c) => c.notNull())
    .addColumn("email", "text")
    .addColumn("phone", "text")
    .addColumn("full_name", "text")
    .addColumn("name", "text")
    /** A guest that signed in points at the consumer it became. */
    .addColumn("upgraded_to", "text")
    .addColumn("created_at", "text", (c) => c.notNull())
    .addColumn("updated_at", "text", (c) => c.notNull())
    .execute();
  await db.schema
    .createIndex("consumers_by_email")
    .on("consumers")
    .columns(["organization_id", "mode", "email"])
    .unique()
    .execute();
  await db.schema
    .createIndex("consumers_by_phone")
    .on("consumers")
    .columns(["organization_id", "mode", "phone"])
    .unique()
    .execute();

  await db.schema
    .createTable("sessions")
    .addColumn("id", "text", (c) => c.primaryKey())
    .addColumn("organization_id", "text", (c) => c.notNull().references("organizations.id"))
    .addColumn("mode", "text", (c) => c.notNull())
    .addColumn("consumer_id", "text", (c) => c.notNull().references("consumers.id"))
    .addColumn("type", "text", (c) => c.notNull())
    .addColumn("created_at", "text", (c) => c.notNull())
    /** Absolute end of the session: refreshing never extends it. */
    .addColumn("expires_at", "text", (c) => c.notNull())
    .addColumn("last_refreshed_at", "text")
    .addColumn("revoked_at", "text")
    .addColumn("revoked_reason", "text")
    .execute();
  await db.schema.createIndex("sessions_by_consumer").on("sessions").columns(["consumer_id", "id"]).execute();

  await db.schema
    .createTable("refresh_tokens")
    .addColumn("digest", "text", (c) => c.primaryKey())
    .addColumn("session_id", "text", (c) => c.notNull().references("sessions.id"))
    .addColumn("status", "text", (c) => c.notNull())
    .addColumn("created_at", "text", (c) => c.notNull())
    .addColumn("rotated_at", "text")
    /** The replacement, encrypted, so a concurrent duplicate refresh gets the same one for a few seconds. */
    .addColumn("successor_encrypted", "text")
    .execute();
  await db.schema.createIndex("refresh_tokens_by_session").on("refresh_tokens").column("session_id").execute();
}
