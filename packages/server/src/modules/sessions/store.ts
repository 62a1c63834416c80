import { sql, type Transaction } from "kysely";
import type { Db, DialectName } from "../../db/database.js";
import { insertJsonRows, isOneOf, selectForEach } from "../../db/json-rows.js";
import type { Database, SessionsTable, SessionType } from "../../db/schema.js";
import { inTenant } from "../../db/scoped-queries.js";
import type { TenantScope } from "../../lib/tenant.js";

export interface SessionRecord {
  id: string;
  consumerId: string;
  type: SessionType;
  createdAt: string;
  expiresAt: string;
  lastRefreshedAt: string | null;
  revokedAt: string | null;
}

type Executor = Db["kysely"] | Transaction<Database>;

function toSession(row: SessionsTable): SessionRecord {
  return {
    id: row.id,
    consumerId: row.consumer_id,
    type: row.type,
    createdAt: row.created_at,
    expiresAt: row.expires_at,
    lastRefreshedAt: row.last_refreshed_at,
    revokedAt: row.revoked_at,
  };
}

const sessionRow = (scope: TenantScope, session: SessionRecord) => ({
  id: session.id,
  organization_id: scope.organizationId,
  mode: scope.mode,
  consumer_id: session.consumerId,
  type: session.type,
  created_at: session.createdAt,
  expires_at: session.expiresAt,
  last_refreshed_at: null,
  revoked_at: null,
  revoked_reason: null,
});

export async function insertSession(trx: Executor, scope: TenantScope, session: SessionRecord): Promise<void> {
  await trx.insertInto("sessions").values(sessionRow(scope, session)).execute();
}

/** Many sessions, of any tenants, in one statement. */
export function insertSessions(
  trx: Transaction<Database>,
  dialect: DialectName,
  sessions: readonly { scope: TenantScope; session: SessionRecord }[],
): Promise<void> {
  return insertJsonRows(
    trx,
    dialect,
    "sessions",
    sessions.map(({ scope, session }) => sessionRow(scope, session)),
  );
}

/** Whose a live session is: a token naming it must name the same organization, mode and consumer. */
export interface LiveSessionOwner {
  organizationId: string;
  mode: "live" | "test";
  consumerId: string;
}

/**
 * Which of these sessions are live (not revoked, not past their absolute end), with their owners.
 * Not tenant-scoped: a verified token names its session, and its claims are compared with the
 * owner returned here.
 */
export async function liveSessionsAmong(
  db: Db,
  sessionIds: readonly string[],
  now: string,
): Promise<Map<string, LiveSessionOwner>> {
  const rows = await db.kysely
    .selectFrom("sessions")
    .select(["id", "organization_id", "mode", "consumer_id"])
    .where(isOneOf(db.dialect, "id", sessionIds))
    .where("revoked_at", "is", null)
    .where("expires_at", ">", now)
    .execute();
  return new Map(
    rows.map((row) => [row.id, { organizationId: row.organization_id, mode: row.mode, consumerId: row.consumer_id }]),
  );
}

export async function listLiveSessions(
  db: Db,
  scope: TenantScope,
  consumerId: string,
  now: string,
): Promise<SessionRecord[]> {
  const rows = await db.kysely
    .selectFrom("sessions")
    .selectAll()
    .$call(inTenant(scope))
    .where("consumer_id", "=", consumerId)
    .where("revoked_at", "is", null)
    .where("expires_at", ">", now)
    .orderBy("id", "desc")
    .execute();
  return rows.map(toSession);
}

/** Sessions revoked after `since`, oldest first. */
export async function sessionsRevokedSince(db: Db, since: string): Promise<{ sessionId: string; revokedAt: string }[]> {
  const rows = await db.kysely
    .selectFrom("sessions")
    .select(["id", "revoked_at"])
    .where("revoked_at", ">", since)
    .orderBy("revoked_at")
    .execute();
  return rows.map((row) => ({ sessionId: row.id, revokedAt: row.revoked_at ?? since }));
}

/** Revokes live sessions matching the filter; returns the ids it revoked. */
export async function revokeSessions(
  executor: Executor,
  scope: TenantScope,
  filter: { sessionId?: string; consumerId: string },
  reason: string,
  now: string,
): Promise<string[]> {
  let query = executor
    .updateTable("sessions")
    .set({ revoked_at: now, revoked_reason: reason })
    .$call(inTenant(scope))
    .where("consumer_id", "=", filter.consumerId)
    .where("revoked_at", "is", null);
  if (filter.sessionId) query = query.where("id", "=", filter.sessionId);
  const rows = await query.returning("id").execute();
  return rows.map((row) => row.id);
}

export interface RefreshTokenWithSession {
  status: "active" | "rotated";
  rotatedAt: string | null;
  successorEncrypted: string | null;
  organizationId: string;
  mode: "live" | "test";
  session: SessionRecord;
}

export interface NewRefreshToken {
  digest: string;
  sessionId: string;
  createdAt: string;
}

const refreshTokenRow = (token: NewRefreshToken) => ({
  digest: token.digest,
  session_id: token.sessionId,
  status: "active" as const,
  created_at: token.createdAt,
  rotated_at: null,
  successor_encrypted: null,
});

/** Many refresh tokens in one statement. */
export function insertRefreshTokens(
  trx: Transaction<Database>,
  dialect: DialectName,
  tokens: readonly NewRefreshToken[],
): Promise<void> {
  return insertJsonRows(trx, dialect, "refresh_tokens", tokens.map(refreshTokenRow));
}

/** The refresh tokens with these digests, each with its session: one statement, one lookup per digest. */
export async function findRefreshTokens(
  db: Db,
  digests: readonly string[],
): Promise<Map<string, RefreshTokenWithSession>> {
  const rows = await selectForEach(db.kysely, db.dialect, "refresh_tokens.digest", digests, (filter) =>
    db.kysely
      .selectFrom("refresh_tokens")
      .innerJoin("sessions", "sessions.id", "refresh_tokens.session_id")
      .selectAll("sessions")
      .select([
        "refresh_tokens.digest as token_digest",
        "refresh_tokens.status as token_status",
        "refresh_tokens.rotated_at as token_rotated_at",
        "refresh_tokens.successor_encrypted as token_successor",
      ])
      .where(filter),
  );
  return new Map(
    rows.map((row) => [
      row.token_digest,
      {
        status: row.token_status,
        rotatedAt: row.token_rotated_at,
        successorEncrypted: row.token_successor,
        organizationId: row.organization_id,
        mode: row.mode,
        session: toSession(row),
      },
    ]),
  );
}

/**
 * Marks active refresh tokens rotated and records each one's sealed successor, in one
 * conditional update: of two rotations of the same token (concurrent, or in other batches),
 * exactly one wins. The digests must be distinct; answers the ones this update retired.
 */
export async function retireRefreshTokens(
  trx: Transaction<Database>,
  dialect: DialectName,
  retirements: readonly { digest: string; sealed: string }[],
  now: string,
): Promise<Set<string>> {
  if (retirements.length === 0) return new Set();
  const json = JSON.stringify(retirements);
  const { rows } =
    dialect === "postgres"
      ? await sql<{ digest: string }>`update refresh_tokens as t
          set status = 'rotated', rotated_at = ${now}, successor_encrypted = r.sealed
          from json_to_recordset(${json}::json) as r(digest text, sealed text)
          where t.digest = r.digest and t.status = 'active'
          returning t.digest`.execute(trx)
      : await sql<{ digest: string }>`update refresh_tokens
          set status = 'rotated', rotated_at = ${now}, successor_encrypted = r.value ->> 'sealed'
          from json_each(${json}) as r
          where refresh_tokens.digest = r.value ->> 'digest' and refresh_tokens.status = 'active'
          returning refresh_tokens.digest`.execute(trx);
  return new Set(rows.map((row) => row.digest));
}

export async function markSessionsRefreshed(
  trx: Transaction<Database>,
  dialect: DialectName,
  sessionIds: readonly string[],
  now: string,
): Promise<void> {
  if (sessionIds.length === 0) return;
  await trx
    .updateTable("sessions")
    .set({ last_refreshed_at: now })
    .where(isOneOf(dialect, "id", sessionIds))
    .execute();
}
