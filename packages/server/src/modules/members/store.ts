import type { Selectable, Transaction } from "kysely";
import type { Db } from "../../db/database.js";
import type {
  DashboardSessionsTable,
  Database,
  MemberInvitationsTable,
  MemberRole,
  MembersTable,
} from "../../db/schema.js";

/**
 * Members belong to an organization, not to a mode: every function takes the organization id
 * first. The two lookups that cannot (sign-in by email, the session a cookie names) are the
 * ones that establish which organization a request belongs to.
 */
type Executor = Db["kysely"] | Transaction<Database>;
export type MemberRow = Selectable<MembersTable>;
export type SessionRow = Selectable<DashboardSessionsTable>;
export type InvitationRow = Selectable<MemberInvitationsTable>;

export function findMemberByEmail(executor: Executor, email: string): Promise<MemberRow | undefined> {
  return executor.selectFrom("members").selectAll().where("email", "=", email).executeTakeFirst();
}

export function getMember(executor: Executor, organizationId: string, id: string): Promise<MemberRow | undefined> {
  return executor
    .selectFrom("members")
    .selectAll()
    .where("organization_id", "=", organizationId)
    .where("id", "=", id)
    .executeTakeFirst();
}

export function listMembers(db: Db, organizationId: string): Promise<MemberRow[]> {
  return db.kysely
    .selectFrom("members")
    .selectAll()
    .where("organization_id", "=", organizationId)
    .orderBy("id")
    .execute();
}

/**
 * The organization's owners, locked until the transaction ends, so that two concurrent
 * demotions or removals cannot each see another owner and leave none. PostgreSQL locks the
 * rows (in id order, so two callers never deadlock; a waiter re-reads them after the other
 * commits); SQLite runs one write transaction at a time already.
 */
export async function lockOwners(db: Db, trx: Transaction<Database>, organizationId: string): Promise<string[]> {
  let query = trx
    .selectFrom("members")
    .select("id")
    .where("organization_id", "=", organizationId)
    .where("role", "=", "owner")
    .orderBy("id");
  if (db.dialect === "postgres") query = query.forUpdate();
  return (await query.execute()).map((row) => row.id);
}

export async function insertMember(executor: Executor, member: MemberRow): Promise<void> {
  await executor.insertInto("members").values(member).execute();
}

export async function setMemberRole(executor: Executor, organizationId: string, id: string, role: MemberRole) {
  await executor
    .updateTable("members")
    .set({ role })
    .where("organization_id", "=", organizationId)
    .where("id", "=", id)
    .execute();
}

export async function markSignedIn(executor: Executor, organizationId: string, id: string, now: string) {
  await executor
    .updateTable("members")
    .set({ last_signed_in_at: now })
    .where("organization_id", "=", organizationId)
    .where("id", "=", id)
    .execute();
}

/** Removes the member; their sessions go first (they reference the member). */
export async function deleteMember(executor: Executor, organizationId: string, id: string): Promise<void> {
  await executor
    .deleteFrom("dashboard_sessions")
    .where("organization_id", "=", organizationId)
    .where("member_id", "=", id)
    .execute();
  await executor.deleteFrom("members").where("organization_id", "=", organizationId).where("id", "=", id).execute();
}

export async function insertSession(db: Db, session: SessionRow): Promise<void> {
  await db.kysely.insertInto("dashboard_sessions").values(session).execute();
}

/** The session a cookie names, with its member, if neither is gone. */
export function findSessionWithMember(db: Db, sessionId: string) {
  return db.kysely
    .selectFrom("dashboard_sessions as s")
    .innerJoin("members as m", "m.id", "s.member_id")
    .select([
      "s.id",
      "s.member_id",
      "s.organization_id",
      "s.token_digest",
      "s.created_at",
      "s.last_seen_at",
      "s.expires_at",
      "s.revoked_at",
      "s.ip",
      "s.user_agent",
      "m.email",
      "m.role",
      "m.created_at as member_created_at",
      "m.last_signed_in_at",
    ])
    .where("s.id", "=", sessionId)
    .executeTakeFirst();
}

export async function touchSession(db: Db, organizationId: string, id: string, now: string): Promise<void> {
  await db.kysely
    .updateTable("dashboard_sessions")
    .set({ last_seen_at: now })
    .where("organization_id", "=", organizationId)
    .where("id", "=", id)
    .execute();
}

/** The member's sessions that have not been revoked and have not reached their absolute end. */
export function listLiveSessions(db: Db, organizationId: string, memberId: string, now: string) {
  return db.kysely
    .selectFrom("dashboard_sessions")
    .selectAll()
    .where("organization_id", "=", organizationId)
    .where("member_id", "=", memberId)
    .where("revoked_at", "is", null)
    .where("expires_at", ">", now)
    .orderBy("id", "desc")
    .execute();
}

/** Revokes one session of the member; false when there is no such live session. */
export async function revokeSession(
  db: Db,
  organizationId: string,
  session: { id: string; memberId: string },
  now: string,
): Promise<boolean> {
  const result = await db.kysely
    .updateTable("dashboard_sessions")
    .set({ revoked_at: now })
    .where("organization_id", "=", organizationId)
    .where("member_id", "=", session.memberId)
    .where("id", "=", session.id)
    .where("revoked_at", "is", null)
    .executeTakeFirst();
  return Number(result.numUpdatedRows) === 1;
}

export async function insertInvitation(executor: Executor, invitation: InvitationRow): Promise<void> {
  await executor.insertInto("member_invitations").values(invitation).execute();
}

/** Invitations that can still be accepted. */
export function listPendingInvitations(db: Db, organizationId: string, now: string) {
  return db.kysely
    .selectFrom("member_invitations")
    .selectAll()
    .where("organization_id", "=", organizationId)
    .where("accepted_at", "is", null)
    .where("revoked_at", "is", null)
    .where("expires_at", ">", now)
    .orderBy("id", "desc")
    .execute();
}

export function findInvitationByDigest(executor: Executor, codeDigest: string) {
  return executor.selectFrom("member_invitations").selectAll().where("code_digest", "=", codeDigest).executeTakeFirst();
}

/** Closes a pending invitation (accepted or revoked); false when it was no longer pending. */
export async function closeInvitation(
  executor: Executor,
  organizationId: string,
  id: string,
  change: { accepted_at: string } | { revoked_at: string },
): Promise<boolean> {
  const result = await executor
    .updateTable("member_invitations")
    .set(change)
    .where("organization_id", "=", organizationId)
    .where("id", "=", id)
    .where("accepted_at", "is", null)
    .where("revoked_at", "is", null)
    .executeTakeFirst();
  return Number(result.numUpdatedRows) === 1;
}

/** Stores a new sign-in code for an email (member or not), replacing and so killing the previous one. */
export async function putSignInCode(
  db: Db,
  code: { emailDigest: string; digest: string; expiresAt: string },
): Promise<void> {
  const fresh = { digest: code.digest, expires_at: code.expiresAt, consumed_at: null };
  await db.kysely
    .insertInto("dashboard_sign_in_codes")
    .values({ email_digest: code.emailDigest, ...fresh })
    .onConflict((oc) => oc.column("email_digest").doUpdateSet(fresh))
    .execute();
}

export function findLiveSignInCode(db: Db, emailDigest: string) {
  return db.kysely
    .selectFrom("dashboard_sign_in_codes")
    .select(["digest", "expires_at"])
    .where("email_digest", "=", emailDigest)
    .where("consumed_at", "is", null)
    .executeTakeFirst();
}

/** Check-and-consume in one statement: of two right guesses, exactly one gets the code. */
export async function consumeSignInCode(db: Db, emailDigest: string, digest: string, now: string): Promise<boolean> {
  const result = await db.kysely
    .updateTable("dashboard_sign_in_codes")
    .set({ consumed_at: now })
    .where("email_digest", "=", emailDigest)
    .where("digest", "=", digest)
    .where("consumed_at", "is", null)
    .executeTakeFirst();
  return Number(result.numUpdatedRows) === 1;
}
