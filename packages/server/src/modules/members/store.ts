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

export interface Member {
  id: string;
  organizationId: string;
  email: string;
  role: MemberRole;
  createdAt: string;
  lastSignedInAt: string | null;
}

/** A dashboard session; the cookie's secret half is kept as `tokenDigest` only. */
export interface DashboardSession {
  id: string;
  memberId: string;
  organizationId: string;
  tokenDigest: string;
  createdAt: string;
  lastSeenAt: string;
  expiresAt: string;
  revokedAt: string | null;
  ip: string | null;
  userAgent: string | null;
}

export interface Invitation {
  id: string;
  organizationId: string;
  email: string;
  role: MemberRole;
  codeDigest: string;
  invitedBy: string | null;
  createdAt: string;
  expiresAt: string;
  acceptedAt: string | null;
  revokedAt: string | null;
}

function toMember(row: Selectable<MembersTable>): Member {
  return {
    id: row.id,
    organizationId: row.organization_id,
    email: row.email,
    role: row.role,
    createdAt: row.created_at,
    lastSignedInAt: row.last_signed_in_at,
  };
}

function toSession(row: Selectable<DashboardSessionsTable>): DashboardSession {
  return {
    id: row.id,
    memberId: row.member_id,
    organizationId: row.organization_id,
    tokenDigest: row.token_digest,
    createdAt: row.created_at,
    lastSeenAt: row.last_seen_at,
    expiresAt: row.expires_at,
    revokedAt: row.revoked_at,
    ip: row.ip,
    userAgent: row.user_agent,
  };
}

function toInvitation(row: Selectable<MemberInvitationsTable>): Invitation {
  return {
    id: row.id,
    organizationId: row.organization_id,
    email: row.email,
    role: row.role,
    codeDigest: row.code_digest,
    invitedBy: row.invited_by,
    createdAt: row.created_at,
    expiresAt: row.expires_at,
    acceptedAt: row.accepted_at,
    revokedAt: row.revoked_at,
  };
}

export async function findMemberByEmail(executor: Executor, email: string): Promise<Member | undefined> {
  const row = await executor.selectFrom("members").selectAll().where("email", "=", email).executeTakeFirst();
  return row && toMember(row);
}

export async function getMember(executor: Executor, organizationId: string, id: string): Promise<Member | undefined> {
  const row = await executor
    .selectFrom("members")
    .selectAll()
    .where("organization_id", "=", organizationId)
    .where("id", "=", id)
    .executeTakeFirst();
  return row && toMember(row);
}

export async function listMembers(db: Db, organizationId: string): Promise<Member[]> {
  const rows = await db.kysely
    .selectFrom("members")
    .selectAll()
    .where("organization_id", "=", organizationId)
    .orderBy("id")
    .execute();
  return rows.map(toMember);
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

export async function insertMember(executor: Executor, member: Member): Promise<void> {
  await executor
    .insertInto("members")
    .values({
      id: member.id,
      organization_id: member.organizationId,
      email: member.email,
      role: member.role,
      created_at: member.createdAt,
      last_signed_in_at: member.lastSignedInAt,
    })
    .execute();
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

export async function insertSession(db: Db, session: DashboardSession): Promise<void> {
  await db.kysely
    .insertInto("dashboard_sessions")
    .values({
      id: session.id,
      member_id: session.memberId,
      organization_id: session.organizationId,
      token_digest: session.tokenDigest,
      created_at: session.createdAt,
      last_seen_at: session.lastSeenAt,
      expires_at: session.expiresAt,
      revoked_at: session.revokedAt,
      ip: session.ip,
      user_agent: session.userAgent,
    })
    .execute();
}

/** The session a cookie names, with its member, if neither is gone. */
export async function findSessionWithMember(
  db: Db,
  sessionId: string,
): Promise<{ session: DashboardSession; member: Member } | undefined> {
  const row = await db.kysely
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
  if (!row) return undefined;
  const { email, role, member_created_at, last_signed_in_at, ...session } = row;
  return {
    session: toSession(session),
    member: toMember({
      id: row.member_id,
      organization_id: row.organization_id,
      email,
      role,
      created_at: member_created_at,
      last_signed_in_at,
    }),
  };
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
export async function listLiveSessions(
  db: Db,
  organizationId: string,
  memberId: string,
  now: string,
): Promise<DashboardSession[]> {
  const rows = await db.kysely
    .selectFrom("dashboard_sessions")
    .selectAll()
    .where("organization_id", "=", organizationId)
    .where("member_id", "=", memberId)
    .where("revoked_at", "is", null)
    .where("expires_at", ">", now)
    .orderBy("id", "desc")
    .execute();
  return rows.map(toSession);
}

/** Revokes one session of the member; false when there is no such live session. */
export async function revokeSession(
  executor: Executor,
  organizationId: string,
  session: { id: string; memberId: string },
  now: string,
): Promise<boolean> {
  const result = await executor
    .updateTable("dashboard_sessions")
    .set({ revoked_at: now })
    .where("organization_id", "=", organizationId)
    .where("member_id", "=", session.memberId)
    .where("id", "=", session.id)
    .where("revoked_at", "is", null)
    .executeTakeFirst();
  return Number(result.numUpdatedRows) === 1;
}

export async function insertInvitation(executor: Executor, invitation: Invitation): Promise<void> {
  await executor
    .insertInto("member_invitations")
    .values({
      id: invitation.id,
      organization_id: invitation.organizationId,
      email: invitation.email,
      role: invitation.role,
      code_digest: invitation.codeDigest,
      invited_by: invitation.invitedBy,
      created_at: invitation.createdAt,
      expires_at: invitation.expiresAt,
      accepted_at: invitation.acceptedAt,
      revoked_at: invitation.revokedAt,
    })
    .execute();
}

/** Invitations that can still be accepted. */
export async function listPendingInvitations(db: Db, organizationId: string, now: string): Promise<Invitation[]> {
  const rows = await db.kysely
    .selectFrom("member_invitations")
    .selectAll()
    .where("organization_id", "=", organizationId)
    .where("accepted_at", "is", null)
    .where("revoked_at", "is", null)
    .where("expires_at", ">", now)
    .orderBy("id", "desc")
    .execute();
  return rows.map(toInvitation);
}

export async function findInvitationByDigest(executor: Executor, codeDigest: string): Promise<Invitation | undefined> {
  const row = await executor
    .selectFrom("member_invitations")
    .selectAll()
    .where("code_digest", "=", codeDigest)
    .executeTakeFirst();
  return row && toInvitation(row);
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

/** Stores the code a browser's sign-in attempt asked for; every attempt is a fresh row. */
export async function putSignInCode(
  db: Db,
  code: { attemptDigest: string; digest: string; expiresAt: string },
): Promise<void> {
  await db.kysely
    .insertInto("dashboard_sign_in_codes")
    .values({ attempt_digest: code.attemptDigest, digest: code.digest, attempts: 0, expires_at: code.expiresAt })
    .execute();
}

/**
 * Counts one guess at an attempt's code before it is compared, in one statement, so concurrent
 * guesses cannot share a count; returns the code with the count including this guess.
 */
export async function countSignInGuess(
  db: Db,
  attemptDigest: string,
): Promise<{ digest: string; attempts: number; expiresAt: string } | undefined> {
  const row = await db.kysely
    .updateTable("dashboard_sign_in_codes")
    .set((eb) => ({ attempts: eb("attempts", "+", 1) }))
    .where("attempt_digest", "=", attemptDigest)
    .returning(["digest", "attempts", "expires_at"])
    .executeTakeFirst();
  return row && { digest: row.digest, attempts: Number(row.attempts), expiresAt: row.expires_at };
}

/** Check-and-consume in one statement: of two right guesses, exactly one gets the code. */
export async function consumeSignInCode(db: Db, attemptDigest: string, digest: string): Promise<boolean> {
  const result = await db.kysely
    .deleteFrom("dashboard_sign_in_codes")
    .where("attempt_digest", "=", attemptDigest)
    .where("digest", "=", digest)
    .executeTakeFirst();
  return Number(result.numDeletedRows) === 1;
}
