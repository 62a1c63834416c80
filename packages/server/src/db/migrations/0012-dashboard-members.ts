import { type Kysely, sql } from "kysely";

/**
 * Rebuilds `otp_codes` with a `purpose` in its key: a dashboard member's sign-in code and a
 * consumer's code for the same email must never share (and so overwrite) one row. Both
 * dialects can rename a table; neither can change a primary key in place.
 */
async function addPurposeToCodes(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .createTable("otp_codes_next")
    .addColumn("organization_id", "text", (c) => c.notNull().references("organizations.id"))
    .addColumn("mode", "text", (c) => c.notNull())
    .addColumn("purpose", "text", (c) => c.notNull())
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
    .addPrimaryKeyConstraint("otp_codes_purpose_pk", ["organization_id", "mode", "purpose", "identifier"])
    .execute();
  await sql`insert into otp_codes_next
    select organization_id, mode, 'consumer', identifier, channel, digest, expires_at, attempts, sent_at,
      consumed_at, failures, failure_window_started_at, locked_until
    from otp_codes`.execute(db);
  await db.schema.dropTable("otp_codes").execute();
  await db.schema.alterTable("otp_codes_next").renameTo("otp_codes").execute();
}

export async function up(db: Kysely<unknown>): Promise<void> {
  await addPurposeToCodes(db);

  /** One membership per email across the installation: sign-in by email finds exactly one. */
  await db.schema
    .createTable("members")
    .addColumn("id", "text", (c) => c.primaryKey())
    .addColumn("organization_id", "text", (c) => c.notNull().references("organizations.id"))
    .addColumn("email", "text", (c) => c.notNull().unique())
    .addColumn("role", "text", (c) => c.notNull())
    .addColumn("created_at", "text", (c) => c.notNull())
    .addColumn("last_signed_in_at", "text")
    .execute();
  await db.schema.createIndex("members_by_organization").on("members").columns(["organization_id", "id"]).execute();

  await db.schema
    .createTable("dashboard_sessions")
    .addColumn("id", "text", (c) => c.primaryKey())
    .addColumn("member_id", "text", (c) => c.notNull().references("members.id"))
    .addColumn("organization_id", "text", (c) => c.notNull())
    .addColumn("token_digest", "text", (c) => c.notNull())
    .addColumn("created_at", "text", (c) => c.notNull())
    .addColumn("last_seen_at", "text", (c) => c.notNull())
    .addColumn("expires_at", "text", (c) => c.notNull())
    .addColumn("revoked_at", "text")
    .addColumn("ip", "text")
    .addColumn("user_agent", "text")
    .execute();
  await db.schema
    .createIndex("dashboard_sessions_by_member")
    .on("dashboard_sessions")
    .columns(["member_id", "id"])
    .execute();

  await db.schema
    .createTable("member_invitations")
    .addColumn("id", "text", (c) => c.primaryKey())
    .addColumn("organization_id", "text", (c) => c.notNull().references("organizations.id"))
    .addColumn("email", "text", (c) => c.notNull())
    .addColumn("role", "text", (c) => c.notNull())
    .addColumn("code_digest", "text", (c) => c.notNull().unique())
    .addColumn("invited_by", "text")
    .addColumn("created_at", "text", (c) => c.notNull())
    .addColumn("expires_at", "text", (c) => c.notNull())
    .addColumn("accepted_at", "text")
    .addColumn("revoked_at", "text")
    .execute();
  await db.schema
    .createIndex("member_invitations_by_organization")
    .on("member_invitations")
    .columns(["organization_id", "id"])
    .execute();
}
