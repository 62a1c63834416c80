import { randomBytes } from "node:crypto";
import type { MemberRole } from "@fanfare/contract";
import type { Deps } from "../../deps.js";
import { isoAt } from "../../lib/clock.js";
import { newId } from "../../lib/ids.js";
import { digestsEqual, hmacSha256 } from "../../lib/secrets.js";
import { findSessionWithMember, insertSession, type Member, touchSession } from "./store.js";

/** However active, a dashboard session ends after this long: sign in again. */
export const SESSION_LIFETIME_MS = 12 * 3600_000;
/** `last_seen_at` is written at most this often per session, not on every request. */
const TOUCH_EVERY_MS = 60_000;

/** A signed-in member, as the cookie proved. */
export interface MemberPrincipal {
  memberId: string;
  organizationId: string;
  email: string;
  role: MemberRole;
  memberCreatedAt: string;
  lastSignedInAt: string | null;
  session: {
    id: string;
    createdAt: string;
    lastSeenAt: string;
    expiresAt: string;
    ip: string | null;
    userAgent: string | null;
  };
}

const tokenDigest = (deps: Deps, secret: string) =>
  hmacSha256(deps.secrets["dashboard-session-digest"], secret).toString("base64url");

/** Derived from the session id, so it needs no storage and dies with the session. */
export const csrfTokenOf = (deps: Deps, sessionId: string): string =>
  hmacSha256(deps.secrets["dashboard-csrf"], sessionId).toString("base64url");

export const csrfValid = (deps: Deps, sessionId: string, presented: string | undefined): boolean =>
  presented !== undefined && digestsEqual(csrfTokenOf(deps, sessionId), presented);

/** When inactivity ends the session: idle timeout after the last request, never past the absolute end. */
export function idleExpiry(deps: Deps, session: { lastSeenAt: string; expiresAt: string }): string {
  const idleEnd = Date.parse(session.lastSeenAt) + deps.config.dashboardIdleMinutes * 60_000;
  return isoAt(Math.min(idleEnd, Date.parse(session.expiresAt)));
}

/** Starts a session; the cookie value (`<session id>.<secret>`) is returned once and only its digest is kept. */
export async function startDashboardSession(
  deps: Deps,
  member: Member,
  client: { ip: string | null; userAgent: string | null },
): Promise<{ cookieValue: string; maxAgeSeconds: number }> {
  const now = deps.clock.now();
  const id = newId("dashboardSession", now);
  const secret = randomBytes(32).toString("base64url");
  await insertSession(deps.db, {
    id,
    memberId: member.id,
    organizationId: member.organizationId,
    tokenDigest: tokenDigest(deps, secret),
    createdAt: isoAt(now),
    lastSeenAt: isoAt(now),
    expiresAt: isoAt(now + SESSION_LIFETIME_MS),
    revokedAt: null,
    ip: client.ip,
    userAgent: client.userAgent?.slice(0, 300) ?? null,
  });
  return { cookieValue: `${id}.${secret}`, maxAgeSeconds: SESSION_LIFETIME_MS / 1000 };
}

/**
 * The member a cookie value signs in, or null when it names no live session: unknown,
 * wrong secret, revoked, idle too long, or past its absolute end. Read from the database
 * on every request, so a revocation or removal holds at once in every process.
 */
export async function authenticateCookie(deps: Deps, cookieValue: string): Promise<MemberPrincipal | null> {
  const dot = cookieValue.indexOf(".");
  if (dot <= 0) return null;
  const found = await findSessionWithMember(deps.db, cookieValue.slice(0, dot));
  if (!found || found.session.revokedAt !== null) return null;
  const { session, member } = found;
  if (!digestsEqual(tokenDigest(deps, cookieValue.slice(dot + 1)), session.tokenDigest)) return null;
  const now = deps.clock.now();
  if (Date.parse(idleExpiry(deps, session)) <= now) return null;
  let lastSeenAt = session.lastSeenAt;
  if (now - Date.parse(lastSeenAt) >= TOUCH_EVERY_MS) {
    lastSeenAt = isoAt(now);
    await touchSession(deps.db, session.organizationId, session.id, lastSeenAt);
  }
  return {
    memberId: member.id,
    organizationId: member.organizationId,
    email: member.email,
    role: member.role,
    memberCreatedAt: member.createdAt,
    lastSignedInAt: member.lastSignedInAt,
    session: {
      id: session.id,
      createdAt: session.createdAt,
      lastSeenAt,
      expiresAt: session.expiresAt,
      ip: session.ip,
      userAgent: session.userAgent,
    },
  };
}
