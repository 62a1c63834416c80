import type { KeyObject } from "node:crypto";
import type { JWTHeaderParameters } from "jose";
import type { InvalidationEvent } from "../../cache/invalidation.js";
import { ALWAYS_HEARD } from "../../cache/verdict-trust.js";
import type { Mode } from "../../db/schema.js";
import { failsEveryWrite } from "../../db/shared-transaction.js";
import type { Clock } from "../../lib/clock.js";
import { parseJws, signEdDsaJwt, signedWithEdDsa } from "../../lib/compact-jws.js";
import { newId } from "../../lib/ids.js";
import { LruCache } from "../../lib/lru.js";
import { RevokedSessions } from "./revoked-sessions.js";
import type { SigningKeyRing } from "./signing-keys.js";

export const TOKEN_ISSUER = "fanfare";
/**
 * RFC 9068's media type for JWT access tokens: no other token this server signs (admission tokens
 * have their own `typ`) passes as one. The RFC's long form is accepted too.
 */
export const ACCESS_TOKEN_TYP = "at+jwt";
const ACCEPTED_TYPS = new Set([ACCESS_TOKEN_TYP, `application/${ACCESS_TOKEN_TYP}`]);
const CLOCK_SKEW_SECONDS = 5;

export interface AccessClaims {
  consumerId: string;
  organizationId: string;
  sessionId: string;
  mode: Mode;
  isGuest: boolean;
  jti: string;
  iat: number;
  exp: number;
}

export interface IssueInput {
  consumerId: string;
  organizationId: string;
  sessionId: string;
  mode: Mode;
  isGuest: boolean;
  ttlSeconds: number;
}

export async function issueAccessToken(
  ring: SigningKeyRing,
  clock: Clock,
  input: IssueInput,
): Promise<{ token: string; claims: AccessClaims }> {
  const { kid, privateKey } = await ring.activeKey();
  const iat = Math.floor(clock.now() / 1000);
  const claims: AccessClaims = {
    consumerId: input.consumerId,
    organizationId: input.organizationId,
    sessionId: input.sessionId,
    mode: input.mode,
    isGuest: input.isGuest,
    jti: newId("jwt", clock.now()),
    iat,
    exp: iat + input.ttlSeconds,
  };
  const token = signEdDsaJwt(
    { typ: ACCESS_TOKEN_TYP, kid },
    { ...claims, iss: TOKEN_ISSUER, aud: claims.organizationId },
    privateKey,
  );
  return { token, claims };
}

export type TokenOutcome =
  | { ok: true; claims: AccessClaims }
  | { ok: false; reason: "invalid" | "expired" | "revoked" };

/** Whose a session is, as the database knows it. */
export interface SessionOwner {
  organizationId: string;
  mode: Mode;
  consumerId: string;
}

/**
 * Asks the database whether a session is still live (not revoked, not past its absolute end),
 * and whose it is; undefined when it is not live.
 */
export type SessionCheck = (sessionId: string) => Promise<SessionOwner | undefined>;

/**
 * A token is only as good as its session: one naming another organization, mode or consumer than
 * the session's (which only the signing key could have made) is a forgery.
 */
function ownsSession(claims: AccessClaims, owner: SessionOwner): boolean {
  return (
    owner.organizationId === claims.organizationId &&
    owner.mode === claims.mode &&
    owner.consumerId === claims.consumerId
  );
}

function isClaims(payload: Record<string, unknown>): payload is AccessClaims & Record<string, unknown> {
  return (
    typeof payload.consumerId === "string" &&
    typeof payload.organizationId === "string" &&
    typeof payload.sessionId === "string" &&
    (payload.mode === "live" || payload.mode === "test") &&
    typeof payload.isGuest === "boolean" &&
    typeof payload.jti === "string" &&
    payload.aud === payload.organizationId
  );
}

/**
 * Verifies access tokens: EdDSA only, a known `kid`, issuer and audience, expiry with a small
 * skew, and a session not revoked. A signature check costs 40–130 µs, so verified tokens are
 * cached until expiry; revoked sessions arrive as events and are refused from the cache at once.
 * A token's first use asks the database about its session (live, and the token's organization,
 * mode and consumer) only while this process cannot know every revocation that could concern it:
 * before it has read them at start, after events may have been missed, or while none are heard.
 */
export class AccessTokenVerifier {
  /** Verified tokens, with when their session was last seen live. */
  private readonly cache: LruCache<string, { claims: AccessClaims; sessionCheckedAtMs: number }>;
  /** Cached tokens by session, so a revocation removes them instead of only marking them. */
  private readonly tokensBySession = new Map<string, Set<string>>();
  /** Revocations known to this process; complete ones spare a token's first use its database check. */
  readonly revocations: RevokedSessions;
  /**
   * First verifications in progress, by token: a shopper's enter and status poll often reach a
   * process together with a token it has not seen, and they share one signature check.
   */
  private readonly firstUses = new Map<string, Promise<TokenOutcome>>();
  private generation = 0;
  private verifiedSignatures = 0;

  constructor(
    private readonly ring: SigningKeyRing,
    private readonly clock: Clock,
    private readonly liveSessionOwner: SessionCheck,
    capacity = 100_000,
    private readonly trust = ALWAYS_HEARD,
  ) {
    this.cache = new LruCache(capacity);
    this.revocations = new RevokedSessions(clock);
  }

  async verify(token: string): Promise<TokenOutcome> {
    const nowMs = this.clock.now();
    const nowSeconds = nowMs / 1000;
    const cached = this.cache.get(token);
    if (cached) {
      const { claims, sessionCheckedAtMs } = cached;
      if (this.revocations.has(claims.sessionId)) return { ok: false, reason: "revoked" };
      if (claims.exp + CLOCK_SKEW_SECONDS <= nowSeconds) return { ok: false, reason: "expired" };
      // Tokens live minutes, so their own expiry is the TTL; unheard revocations shorten it.
      if (nowMs - sessionCheckedAtMs >= this.trust.maxAgeMs(Number.POSITIVE_INFINITY)) {
        return this.checkSessionAgain(token, claims);
      }
      return { ok: true, claims };
    }
    let first = this.firstUses.get(token);
    if (!first) {
      first = this.verifyFirstUse(token, nowSeconds).finally(() => this.firstUses.delete(token));
      this.firstUses.set(token, first);
    }
    return first;
  }

  private async verifyFirstUse(token: string, nowSeconds: number): Promise<TokenOutcome> {
    this.verifiedSignatures++;
    const checked = await this.checkSignatureAndClaims(token, nowSeconds);
    if (!checked.ok) return checked;
    const { claims } = checked;
    const generation = this.generation;
    if (this.revocations.has(claims.sessionId)) return { ok: false, reason: "revoked" };
    // Our signature vouches for the claims, and the session was live when the token was signed
    // (here or by another process): with every revocation since known, no database is asked.
    if (this.revocations.known && this.trust.hearing) {
      this.remember(token, claims);
      return { ok: true, claims };
    }
    const owner = await this.liveSessionOwner(claims.sessionId);
    if (!owner) return { ok: false, reason: "revoked" };
    if (!ownsSession(claims, owner)) return { ok: false, reason: "invalid" };
    // A revocation announced during the session check must not be outlived by a cached copy.
    if (generation === this.generation) this.remember(token, claims);
    return { ok: true, claims };
  }

  private async checkSessionAgain(token: string, claims: AccessClaims): Promise<TokenOutcome> {
    const generation = this.generation;
    const checkedAtMs = this.clock.now();
    const live = await this.trust.refresh(
      async () => (await this.liveSessionOwner(claims.sessionId)) !== undefined,
      true,
    );
    if (!live) {
      this.cache.delete(token);
      return { ok: false, reason: "revoked" };
    }
    if (generation === this.generation) this.cache.set(token, { claims, sessionCheckedAtMs: checkedAtMs });
    return { ok: true, claims };
  }

  /** The signature (a known key, EdDSA, no header that picks its own key) and every claim. */
  private async checkSignatureAndClaims(token: string, nowSeconds: number): Promise<TokenOutcome> {
    const invalid = { ok: false, reason: "invalid" } as const;
    const jws = parseJws(token);
    const typ = jws?.header.typ;
    if (
      !jws ||
      typeof typ !== "string" ||
      !ACCEPTED_TYPS.has(typ.toLowerCase()) ||
      typeof jws.header.kid !== "string"
    ) {
      return invalid;
    }
    let key: KeyObject;
    try {
      key = await this.ring.verificationKey(jws.header as JWTHeaderParameters);
    } catch (err) {
      // A key that cannot be read now is an outage (503), not a forged token (401, which tells
      // the client to drop its session).
      if (failsEveryWrite(err)) throw err;
      return invalid;
    }
    if (!signedWithEdDsa(jws, key, this.ring.signingKeyOf(jws.header.kid))) return invalid;
    const payload = jws.payload;
    const { iat, exp, nbf } = payload;
    if (payload.iss !== TOKEN_ISSUER || typeof iat !== "number" || typeof exp !== "number") return invalid;
    if (nbf !== undefined && (typeof nbf !== "number" || nbf > nowSeconds + CLOCK_SKEW_SECONDS)) return invalid;
    if (exp + CLOCK_SKEW_SECONDS <= nowSeconds) return { ok: false, reason: "expired" };
    // A token "issued" later than now is refused too.
    if (iat > nowSeconds + CLOCK_SKEW_SECONDS || !isClaims(payload)) return invalid;
    return { ok: true, claims: payload };
  }

  /**
   * A token this process just signed, for a session it just opened or refreshed: cached as
   * verified, so its first use costs no signature check. A session already known revoked is not.
   */
  warm(token: string, claims: AccessClaims): void {
    if (!this.revocations.has(claims.sessionId)) this.remember(token, claims);
  }

  /** Ed25519 verifications done (cache misses): what warming and caching save shows here. */
  get signatureVerifications(): number {
    return this.verifiedSignatures;
  }

  apply(event: InvalidationEvent): void {
    this.generation++;
    if (event.type === "session") {
      this.revocations.add(event.sessionId);
      for (const token of this.tokensBySession.get(event.sessionId) ?? []) this.cache.delete(token);
      this.tokensBySession.delete(event.sessionId);
    } else if (event.type === "all") {
      this.cache.clear();
      this.tokensBySession.clear();
      this.revocations.forgetCompleteness();
    }
  }

  private remember(token: string, claims: AccessClaims): void {
    // The index only grows with the cache; reset both together when it outgrows it.
    if (this.tokensBySession.size > this.cache.size * 2 + 1000) {
      this.cache.clear();
      this.tokensBySession.clear();
    }
    this.cache.set(token, { claims, sessionCheckedAtMs: this.clock.now() });
    const tokens = this.tokensBySession.get(claims.sessionId) ?? new Set<string>();
    tokens.add(token);
    this.tokensBySession.set(claims.sessionId, tokens);
  }
}
