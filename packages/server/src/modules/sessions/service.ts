import type { Transaction } from "kysely";
import type { InvalidationEvent } from "../../cache/invalidation.js";
import type { Database, SessionType } from "../../db/schema.js";
import type { Deps } from "../../deps.js";
import { AppError, errors } from "../../http/errors.js";
import { isoAt } from "../../lib/clock.js";
import { newId } from "../../lib/ids.js";
import { pooledRandomBytes } from "../../lib/random-pool.js";
import { open, seal } from "../../lib/sealed-box.js";
import { secretDigest } from "../../lib/secrets.js";
import type { TenantScope } from "../../lib/tenant.js";
import type { Consumer } from "../consumers/index.js";
import { issueAccessToken } from "../tokens/access-tokens.js";
import { listLiveSessions, type RefreshTokenWithSession, revokeSessions, type SessionRecord } from "./store.js";

/** A concurrent duplicate refresh within this window gets the same successor instead of a revocation. */
export const REFRESH_REUSE_LEEWAY_MS = 10_000;

export const invalidRefreshToken = () => new AppError("invalid_refresh_token");

export interface TokenPair {
  accessToken: string;
  accessTokenExpiresAt: string;
  refreshToken: string;
  refreshTokenTtlSeconds: number;
}

export interface SessionEnvelope extends TokenPair {
  session: {
    type: SessionType;
    consumerId: string;
    guestId?: string;
    email?: string;
    phone?: string;
    expiresAt: string;
  };
}

function newRefreshToken(): string {
  return `rt_${pooledRandomBytes(32).toString("base64url")}`;
}

/** How a refresh token is stored and looked up. */
export function refreshDigest(deps: Deps, token: string): string {
  return secretDigest(deps.secrets["token-digest"], token);
}

async function lifetimes(deps: Deps, tenant: TenantScope) {
  const organization = await deps.organizations.get(tenant.organizationId);
  if (!organization) throw errors.resourceNotFound("Organization");
  return { accessTtl: organization.accessTokenTtlSeconds, refreshTtl: organization.refreshTokenTtlSeconds };
}

async function tokensFor(
  deps: Deps,
  tenant: TenantScope,
  session: SessionRecord,
  refreshToken: string,
): Promise<TokenPair> {
  const { accessTtl } = await lifetimes(deps, tenant);
  const now = deps.clock.now();
  const { token, claims } = await issueAccessToken(deps.signingKeys, deps.clock, {
    consumerId: session.consumerId,
    organizationId: tenant.organizationId,
    sessionId: session.id,
    mode: tenant.mode,
    isGuest: session.type === "guest",
    // Never outlive the session itself.
    ttlSeconds: Math.max(1, Math.min(accessTtl, Math.floor((Date.parse(session.expiresAt) - now) / 1000))),
  });
  // Signed here, so known good: the shopper's first request skips an Ed25519 verification.
  deps.accessTokens.warm(token, claims);
  return {
    accessToken: token,
    accessTokenExpiresAt: isoAt(claims.exp * 1000),
    refreshToken,
    refreshTokenTtlSeconds: Math.max(0, Math.floor((Date.parse(session.expiresAt) - now) / 1000)),
  };
}

/** Opens a session for a consumer (creating it when asked) and issues its first tokens. */
export async function startSession(
  deps: Deps,
  tenant: TenantScope,
  consumer: Consumer,
  options: { createConsumer: boolean },
): Promise<{ sessionId: string; envelope: SessionEnvelope }> {
  const { refreshTtl } = await lifetimes(deps, tenant);
  const now = deps.clock.now();
  const session: SessionRecord = {
    id: newId("session", now),
    consumerId: consumer.id,
    type: consumer.kind === "guest" ? "guest" : "authenticated",
    createdAt: isoAt(now),
    expiresAt: isoAt(now + refreshTtl * 1000),
    lastRefreshedAt: null,
    revokedAt: null,
  };
  const refreshToken = newRefreshToken();
  await deps.sessionWriter.open({
    scope: tenant,
    session,
    refreshDigest: refreshDigest(deps, refreshToken),
    ...(options.createConsumer ? { newConsumer: consumer } : {}),
  });
  const tokens = await tokensFor(deps, tenant, session, refreshToken);
  const envelope: SessionEnvelope = {
    session: {
      type: session.type,
      consumerId: consumer.id,
      ...(consumer.kind === "guest" ? { guestId: consumer.id } : {}),
      ...(consumer.email ? { email: consumer.email } : {}),
      ...(consumer.phone ? { phone: consumer.phone } : {}),
      expiresAt: tokens.accessTokenExpiresAt,
    },
    ...tokens,
  };
  return { sessionId: session.id, envelope };
}

export async function startGuestSession(deps: Deps, tenant: TenantScope): Promise<SessionEnvelope> {
  const now = deps.clock.now();
  const guest: Consumer = { id: newId("guest", now), kind: "guest", email: null, phone: null, createdAt: isoAt(now) };
  return (await startSession(deps, tenant, guest, { createConsumer: true })).envelope;
}

/** Revokes sessions, then tells every process so cached access tokens die within a second. */
export async function revokeConsumerSessions(
  deps: Deps,
  tenant: TenantScope,
  filter: { consumerId: string; sessionId?: string },
  reason: string,
): Promise<string[]> {
  const revoked = await revokeSessions(deps.db.kysely, tenant, filter, reason, isoAt(deps.clock.now()));
  for (const sessionId of revoked) await deps.invalidation.publish({ type: "session", sessionId });
  return revoked;
}

/**
 * Revokes sessions inside the caller's transaction. Returns the invalidations to publish once it
 * commits: a rolled-back revocation must not end cached access tokens.
 */
export async function revokeConsumerSessionsIn(
  deps: Deps,
  trx: Transaction<Database>,
  tenant: TenantScope,
  filter: { consumerId: string; sessionId?: string },
  reason: string,
): Promise<{ revoked: string[]; invalidate: InvalidationEvent[] }> {
  const revoked = await revokeSessions(trx, tenant, filter, reason, isoAt(deps.clock.now()));
  return { revoked, invalidate: revoked.map((sessionId) => ({ type: "session", sessionId }) as const) };
}

function usable(row: RefreshTokenWithSession, tenant: TenantScope, nowMs: number): boolean {
  return (
    row.organizationId === tenant.organizationId &&
    row.mode === tenant.mode &&
    row.session.revokedAt === null &&
    Date.parse(row.session.expiresAt) > nowMs
  );
}

/**
 * Rotates a refresh token. Presenting an already-rotated token is theft or a bug, so it kills
 * the whole session — except within a short leeway, where a concurrent duplicate request gets
 * the same successor. The session's end is absolute: rotation never extends it.
 */
export async function refreshSession(deps: Deps, tenant: TenantScope, presented: string): Promise<TokenPair> {
  const digest = refreshDigest(deps, presented);
  const row = await deps.refreshTokenReads.find(digest);
  const now = deps.clock.now();
  if (!row || !usable(row, tenant, now)) throw invalidRefreshToken();

  if (row.status === "active") {
    const successor = newRefreshToken();
    const sealed = seal(deps.secrets["refresh-successor-encryption"], successor);
    const won = await deps.sessionWriter.rotate({
      digest,
      successor: { digest: refreshDigest(deps, successor), sealed, sessionId: row.session.id },
    });
    if (won) return tokensFor(deps, tenant, row.session, successor);
    return refreshSession(deps, tenant, presented); // lost a race: now it is a rotated token
  }

  const rotatedAt = row.rotatedAt ? Date.parse(row.rotatedAt) : 0;
  if (row.successorEncrypted && now - rotatedAt <= REFRESH_REUSE_LEEWAY_MS) {
    const successor = open(deps.secrets["refresh-successor-encryption"], row.successorEncrypted).toString("utf8");
    return tokensFor(deps, tenant, row.session, successor);
  }
  await revokeConsumerSessions(
    deps,
    tenant,
    { consumerId: row.session.consumerId, sessionId: row.session.id },
    "refresh_token_reuse",
  );
  throw invalidRefreshToken();
}

export function listSessions(deps: Deps, tenant: TenantScope, consumerId: string): Promise<SessionRecord[]> {
  return listLiveSessions(deps.db, tenant, consumerId, isoAt(deps.clock.now()));
}
