import { type Kysely, sql } from "kysely";

/**
 * Dashboard sign-in codes get a table of their own, keyed by a digest of the email and by no
 * organization, so a request for a stranger's email stores a code exactly as a member's does
 * (the answers, the work and the writes cannot tell them apart) and the table never holds a
 * stranger's email in the clear. Member codes in `otp_codes` live 10 minutes: they are dropped.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .createTable("dashboard_sign_in_codes")
    .addColumn("email_digest", "text", (c) => c.primaryKey())
    .addColumn("digest", "text", (c) => c.notNull())
    .addColumn("expires_at", "text", (c) => c.notNull())
    .addColumn("consumed_at", "text")
    .execute();
  await sql`delete from otp_codes where purpose = 'member'`.execute(db);
}
