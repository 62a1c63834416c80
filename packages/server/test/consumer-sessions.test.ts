import { generateKeyPairSync } from "node:crypto";
import { createRemoteJWKSet, decodeJwt, decodeProtectedHeader, exportJWK, jwtVerify, SignJWT } from "jose";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { isUniqueViolation } from "../src/db/database.js";
import type { BootstrapKeys } from "../src/modules/orgs/service.js";
import { refreshDigest, refreshSession, startGuestSession, startSession } from "../src/modules/sessions/service.js";
import { createTestOrganization, createTestServer, dialects, type TestServer } from "./harness.js";
import { call } from "./http.js";

interface Envelope {
  session: { type: string; consumerId: string; guestId?: string; expiresAt: string };
  accessToken: string;
  accessTokenExpiresAt: string;
  refreshToken: string;
  refreshTokenTtlSeconds: number;
}

describe.each(dialects())("consumer sessions and tokens (%s)", (dialect) => {
  let server: TestServer;
  let keys: BootstrapKeys;
  let organizationId: string;

  beforeAll(async () => {
    server = await createTestServer(dialect);
  });
  afterAll(() => server.close());
  beforeEach(async () => {
    const created = await createTestOrganization(server);
    keys = created.keys;
    organizationId = created.organization.id;
  });

  const pk = (key = keys.publishableLive) => ({ "x-publishable-key": key });

  async function guest(publishable = keys.publishableLive): Promise<Envelope> {
    const response = await call(server.consumer, "POST", "/api/v1/auth/guest", { headers: pk(publishable) });
    expect(response.statusCode).toBe(200);
    return response.json() as Envelope;
  }

  const sessions = (token: string, headers: Record<string, string> = {}) =>
    call(server.consumer, "GET", "/api/v1/auth/sessions", { key: token, headers });
  const refresh = (refreshToken: string, publishable = keys.publishableLive) =>
    call(server.consumer, "POST", "/api/v1/auth/refresh", { headers: pk(publishable), body: { refreshToken } });

  it("creates guest sessions with an EdDSA access token carrying the documented claims", async () => {
    const envelope = await guest();
    expect(envelope.session.type).toBe("guest");
    expect(envelope.session.consumerId).toMatch(/^guest_[0-9A-Z]{26}$/);
    expect(envelope.session.guestId).toBe(envelope.session.consumerId);
    expect(envelope.refreshToken).toMatch(/^rt_[A-Za-z0-9_-]{43}$/);
    expect(envelope.refreshTokenTtlSeconds).toBe(2_592_000);
    const now = server.clock.now();
    expect(envelope.accessTokenExpiresAt).toBe(new Date(now + 3_600_000).toISOString());
    expect(envelope.session.expiresAt).toBe(envelope.accessTokenExpiresAt);

    const header = decodeProtectedHeader(envelope.accessToken);
    expect(header).toEqual({ alg: "EdDSA", typ: "at+jwt", kid: expect.stringMatching(/^sig_/) });
    const claims = decodeJwt(envelope.accessToken);
    expect(claims).toMatchObject({
      consumerId: envelope.session.consumerId,
      organizationId,
      sessionId: expect.stringMatching(/^sess_/),
      mode: "live",
      isGuest: true,
      iss: "fanfare",
      aud: organizationId,
      jti: expect.stringMatching(/^jti_/),
      iat: Math.floor(now / 1000),
      exp: Math.floor(now / 1000) + 3600,
    });
    expect(server.logs.text).not.toContain(envelope.refreshToken);
    expect(server.logs.text).not.toContain(envelope.accessToken);
  });

  it("uses the organization's token lifetimes, changed through the admin API at once", async () => {
    const patch = await call(server.admin, "PATCH", "/api/v1/organization", {
      key: keys.secretLive,
      body: { accessTokenTtlSeconds: 600, refreshTokenTtlSeconds: 7200 },
    });
    expect(patch.statusCode).toBe(200);
    expect(patch.json()).toMatchObject({ accessTokenTtlSeconds: 600, refreshTokenTtlSeconds: 7200 });
    const envelope = await guest();
    const claims = decodeJwt(envelope.accessToken);
    expect((claims.exp ?? 0) - (claims.iat ?? 0)).toBe(600);
    expect(envelope.refreshTokenTtlSeconds).toBe(7200);
    const tooShort = await call(server.admin, "PATCH", "/api/v1/organization", {
      key: keys.secretLive,
      body: { accessTokenTtlSeconds: 10 },
    });
    expect(tooShort.statusCode).toBe(400);
  });

  it("lets a merchant verify tokens offline through the JWKS, before and after a key rotation", async () => {
    const address = await server.consumer.listen({ host: "127.0.0.1", port: 0 });
    const jwks = createRemoteJWKSet(new URL(`${address}/.well-known/jwks.json`));
    // The README's recipe: RFC 9068's `typ` too, which no admission token carries.
    const options = {
      issuer: "fanfare",
      audience: organizationId,
      typ: "at+jwt",
      currentDate: new Date(server.clock.now()),
    };
    const before = await guest();
    await expect(jwtVerify(before.accessToken, jwks, options)).resolves.toBeTruthy();

    await server.deps.signingKeys.rotate();
    const after = await guest();
    expect(decodeProtectedHeader(after.accessToken).kid).not.toBe(decodeProtectedHeader(before.accessToken).kid);
    const fresh = createRemoteJWKSet(new URL(`${address}/api/v1/.well-known/jwks.json`));
    await expect(jwtVerify(after.accessToken, fresh, options)).resolves.toBeTruthy();
    await expect(jwtVerify(before.accessToken, fresh, options)).resolves.toBeTruthy();
    const published = (await (await fetch(`${address}/.well-known/jwks.json`)).json()) as { keys: object[] };
    expect(published.keys.length).toBeGreaterThanOrEqual(2);
    expect(JSON.stringify(published)).not.toMatch(/"d":/); // never a private part
    expect((await sessions(before.accessToken)).statusCode).toBe(200);
    expect((await sessions(after.accessToken)).statusCode).toBe(200);
  });

  it("limits guest creation per client IP, not per key", async () => {
    const create = (remoteAddress: string) =>
      call(server.consumer, "POST", "/api/v1/auth/guest", { headers: pk(), remoteAddress });
    for (let i = 0; i < 120; i++) expect((await create("203.0.113.50")).statusCode).toBe(200);
    const over = await create("203.0.113.50");
    expect(over.statusCode).toBe(429);
    expect(over.json()).toEqual({ error: "Rate limit exceeded", retryAfter: expect.any(Number) });
    expect((await create("203.0.113.51")).statusCode).toBe(200);
  });

  it("lists the consumer's own sessions with the current one marked", async () => {
    const envelope = await guest();
    const response = await sessions(envelope.accessToken, pk());
    expect(response.statusCode).toBe(200);
    expect(response.json().data).toEqual([
      expect.objectContaining({ id: decodeJwt(envelope.accessToken).sessionId, current: true, type: "guest" }),
    ]);
  });

  describe("token rejections", () => {
    const attacker = generateKeyPairSync("ed25519");
    const b64 = (value: object) => Buffer.from(JSON.stringify(value)).toString("base64url");

    async function forged(header: Record<string, unknown>, claims: Record<string, unknown>): Promise<string> {
      return new SignJWT(claims)
        .setProtectedHeader({ alg: "EdDSA", typ: "at+jwt", ...header })
        .sign(attacker.privateKey);
    }

    it.each(["garbage", "a.b.c", "eyJhbGciOiJFZERTQSJ9.e30."])("refuses a malformed token %j", async (token) => {
      const response = await sessions(token);
      expect(response.statusCode).toBe(401);
      expect(response.json().error).toBe("invalid_token");
    });

    it("refuses alg none, HS256 with the public key, foreign keys, embedded jwk, jku and path kids", async () => {
      const real = await guest();
      const claims = decodeJwt(real.accessToken);
      const { kid } = decodeProtectedHeader(real.accessToken);
      const publicJwk = (await (await server.consumer.inject({ url: "/.well-known/jwks.json" })).json()).keys[0];
      const hs256 = await new SignJWT(claims)
        .setProtectedHeader({ alg: "HS256", typ: "JWT", kid })
        .sign(Buffer.from(publicJwk.x, "base64url"));
      const attackerJwk = await exportJWK(attacker.publicKey);
      const candidates = [
        `${b64({ alg: "none", typ: "JWT", kid })}.${b64(claims)}.`,
        hs256,
        await forged({ kid }, claims),
        await forged({ jwk: attackerJwk }, claims),
        await forged({ kid, jwk: attackerJwk }, claims),
        await forged({ kid, jku: "https://attacker.example/jwks.json" }, claims),
        await forged({ kid: "../../etc/passwd" }, claims),
        // A real signature with one byte of the payload changed.
        real.accessToken.replace(/\.([^.]+)\./, (_m, payload: string) => `.${payload.slice(0, -2)}AA.`),
      ];
      for (const token of candidates) {
        const response = await sessions(token);
        expect(response.statusCode, token).toBe(401);
        expect(response.json().error).toBe("invalid_token");
      }
      expect((await sessions(real.accessToken)).statusCode).toBe(200);
    });

    it("refuses validly signed tokens with a future nbf or iat, another audience or another issuer", async () => {
      const real = await guest();
      const claims = decodeJwt(real.accessToken);
      const { kid, privateKey } = await server.deps.signingKeys.activeKey();
      const nowSeconds = Math.floor(server.clock.now() / 1000);
      const signedAs = (typ: string, overrides: Record<string, unknown>) =>
        new SignJWT({ ...claims, ...overrides }).setProtectedHeader({ alg: "EdDSA", typ, kid }).sign(privateKey);
      const signed = (overrides: Record<string, unknown>) => signedAs("at+jwt", overrides);
      // Control: our key, our claims, verifies, also with an iat inside the 5 s skew.
      expect((await sessions(await signed({ jti: "jti_control" }))).statusCode).toBe(200);
      expect((await sessions(await signed({ jti: "jti_skew", iat: nowSeconds + 4 }))).statusCode).toBe(200);
      for (const overrides of [
        { nbf: nowSeconds + 3600 },
        // Issued in the future beyond the skew: a token minted ahead would outlive its lifetime.
        { iat: nowSeconds + 60, exp: nowSeconds + 3660 },
        { aud: "org_01JOTHERORGANIZATION00000" },
        { iss: "https://evil.example" },
        { mode: "staging" },
      ]) {
        const response = await sessions(await signed(overrides));
        expect(response.statusCode, JSON.stringify(overrides)).toBe(401);
        expect(response.json().error).toBe("invalid_token");
      }
      // Never seen by this process, so checked from scratch: expired past the skew, another
      // token type under our key, and a valid token with a byte appended to its signature.
      const expired = await sessions(await signed({ jti: "jti_expired", exp: nowSeconds - 10 }));
      expect(expired.json().error).toBe("token_expired");
      // RFC 9068: only `at+jwt` (or its long form) is an access token; a plain JWT or an
      // admission token under our key, with access-token claims, is not.
      expect((await sessions(await signedAs("application/at+jwt", { jti: "jti_long_typ" }))).statusCode).toBe(200);
      for (const typ of ["JWT", "admission+jwt"]) {
        const response = await sessions(await signedAs(typ, { jti: `jti_${typ}` }));
        expect(response.json().error, typ).toBe("invalid_token");
      }
      const padded = await sessions(`${await signed({ jti: "jti_padded" })}=`);
      expect(padded.json().error).toBe("invalid_token");
    });

    it("refuses a token signed with our key whose organization, mode or consumer is not its session's", async () => {
      const real = await guest();
      const victim = await guest();
      const other = await createTestOrganization(server, "Elsewhere");
      const claims = decodeJwt(real.accessToken);
      const { kid, privateKey } = await server.deps.signingKeys.activeKey();
      const signed = (overrides: Record<string, unknown>) =>
        new SignJWT({ ...claims, ...overrides })
          .setProtectedHeader({ alg: "EdDSA", typ: "at+jwt", kid })
          .sign(privateKey);
      // Control: a fresh token (never seen by this process) for the session's own owner verifies.
      expect((await sessions(await signed({ jti: "jti_owner" }))).statusCode).toBe(200);
      const foreignOrganization = other.organization.id;
      for (const overrides of [
        { jti: "jti_org", organizationId: foreignOrganization, aud: foreignOrganization },
        { jti: "jti_mode", mode: "test" },
        { jti: "jti_consumer", consumerId: victim.session.consumerId },
      ]) {
        const token = await signed(overrides);
        const response = await sessions(token);
        expect(response.statusCode, JSON.stringify(overrides)).toBe(401);
        expect(response.json().error).toBe("invalid_token");
        // Not remembered as verified: a second use is refused too.
        expect((await sessions(token)).json().error).toBe("invalid_token");
      }
      // The victim's sessions stayed theirs alone.
      const victimSessions = await sessions(victim.accessToken);
      expect(victimSessions.json().data).toHaveLength(1);
    });

    it("refuses an expired token (after a small skew) with token_expired", async () => {
      const envelope = await guest();
      server.clock.advance(3_600_000 + 1_000);
      expect((await sessions(envelope.accessToken)).statusCode).toBe(200); // inside the 5 s skew
      server.clock.advance(5_000);
      const response = await sessions(envelope.accessToken);
      expect(response.statusCode).toBe(401);
      expect(response.json().error).toBe("token_expired");
    });

    it("refuses a token sent with a publishable key of another organization or mode", async () => {
      const envelope = await guest();
      const other = await createTestOrganization(server, "Elsewhere");
      for (const key of [other.keys.publishableLive, keys.publishableTest]) {
        const response = await sessions(envelope.accessToken, pk(key));
        expect(response.statusCode).toBe(401);
        expect(response.json().error).toBe("invalid_token");
      }
      const testGuest = await guest(keys.publishableTest);
      expect(decodeJwt(testGuest.accessToken).mode).toBe("test");
      expect((await sessions(testGuest.accessToken, pk(keys.publishableLive))).statusCode).toBe(401);
    });

    it("requires a token on consumer routes", async () => {
      const response = await call(server.consumer, "GET", "/api/v1/auth/sessions", { headers: pk() });
      expect(response.statusCode).toBe(401);
      expect(response.body).toBe('{"error":"Authentication required"}');
    });
  });

  describe("refresh", () => {
    it("rotates the refresh token and issues a new access token, never extending the session", async () => {
      const envelope = await guest();
      server.clock.advance(60_000);
      const response = await refresh(envelope.refreshToken);
      expect(response.statusCode).toBe(200);
      const next = response.json();
      expect(Object.keys(next).sort()).toEqual([
        "accessToken",
        "accessTokenExpiresAt",
        "refreshToken",
        "refreshTokenTtlSeconds",
      ]);
      expect(next.refreshToken).not.toBe(envelope.refreshToken);
      expect(next.refreshTokenTtlSeconds).toBe(2_592_000 - 60);
      expect(decodeJwt(next.accessToken).sessionId).toBe(decodeJwt(envelope.accessToken).sessionId);
      expect((await sessions(next.accessToken)).statusCode).toBe(200);

      // The session's end is absolute.
      server.clock.advance(2_592_000_000);
      const late = await refresh(next.refreshToken);
      expect(late.statusCode).toBe(401);
      expect(late.body).toBe('{"error":"invalid refresh token"}');
    });

    it("gives a concurrent duplicate refresh the same successor", async () => {
      const envelope = await guest();
      const [first, second] = await Promise.all([refresh(envelope.refreshToken), refresh(envelope.refreshToken)]);
      expect(first.statusCode).toBe(200);
      expect(second.statusCode).toBe(200);
      expect(first.json().refreshToken).toBe(second.json().refreshToken);
      expect((await refresh(first.json().refreshToken)).statusCode).toBe(200);
    });

    it("treats reuse of a rotated refresh token after the leeway as theft and kills the session", async () => {
      const envelope = await guest();
      const next = (await refresh(envelope.refreshToken)).json();
      server.clock.advance(10_001);
      const reuse = await refresh(envelope.refreshToken);
      expect(reuse.statusCode).toBe(401);
      expect(reuse.body).toBe('{"error":"invalid refresh token"}');
      expect((await refresh(next.refreshToken)).statusCode).toBe(401);
      expect((await sessions(next.accessToken)).json().error).toBe("invalid_token");
    });

    it("refuses unknown tokens and tokens presented with another organization's or mode's key", async () => {
      const envelope = await guest();
      const other = await createTestOrganization(server, "Thief Org");
      for (const key of [other.keys.publishableLive, keys.publishableTest]) {
        expect((await refresh(envelope.refreshToken, key)).body).toBe('{"error":"invalid refresh token"}');
      }
      expect((await refresh("rt_unknown")).body).toBe('{"error":"invalid refresh token"}');
      expect((await refresh(envelope.refreshToken)).statusCode).toBe(200);
    });
  });

  describe("group commits", () => {
    const tenant = () => ({ organizationId, mode: "live" as const });
    const consumerNamed = (email: string | null) => ({
      id: `consumer_${Math.random().toString(36).slice(2)}`,
      kind: "consumer" as const,
      email,
      phone: null,
      createdAt: new Date(server.clock.now()).toISOString(),
    });

    it("opens a burst of concurrent guest sessions in few transactions, each distinct and working", async () => {
      const before = server.deps.sessionWriter.batchCount;
      const envelopes = await Promise.all(Array.from({ length: 100 }, () => startGuestSession(server.deps, tenant())));
      // A hundred sessions in a handful of transactions, not a hundred.
      expect(server.deps.sessionWriter.batchCount - before).toBeLessThanOrEqual(3);
      expect(new Set(envelopes.map((envelope) => envelope.session.consumerId)).size).toBe(100);
      const reads = server.deps.refreshTokenReads.readCount;
      const [unknown, ...refreshed] = await Promise.all([
        refresh("rt_unknown"),
        ...envelopes.map((envelope) => refresh(envelope.refreshToken)),
      ]);
      // A hundred rotations look their tokens up in a few statements, each finding its own.
      expect(server.deps.refreshTokenReads.readCount - reads).toBeLessThanOrEqual(3);
      expect(unknown?.body).toBe('{"error":"invalid refresh token"}');
      expect(refreshed.every((response) => response.statusCode === 200)).toBe(true);
      expect(new Set(refreshed.map((response) => decodeJwt(response.json().accessToken).sessionId)).size).toBe(100);
      for (const envelope of envelopes.slice(0, 5)) expect((await sessions(envelope.accessToken)).statusCode).toBe(200);
    });

    it("answers each request of a burst through HTTP, with its own consumer", async () => {
      const responses = await Promise.all(
        Array.from({ length: 60 }, (_, i) =>
          call(server.consumer, "POST", "/api/v1/auth/guest", { headers: pk(), remoteAddress: `198.51.100.${i}` }),
        ),
      );
      expect(responses.every((response) => response.statusCode === 200)).toBe(true);
      const envelopes = responses.map((response) => response.json() as Envelope);
      expect(new Set(envelopes.map((envelope) => envelope.session.consumerId)).size).toBe(60);
      const refreshed = await Promise.all(envelopes.map((envelope) => refresh(envelope.refreshToken)));
      expect(refreshed.every((response) => response.statusCode === 200)).toBe(true);
    });

    it("lets only the first of two rotations of one token inside one batch win", async () => {
      const [other, envelope] = [await guest(), await guest()];
      const rotation = (token: string, successor: string) => ({
        digest: refreshDigest(server.deps, token),
        successor: {
          digest: refreshDigest(server.deps, successor),
          sealed: `sealed ${successor}`,
          sessionId: decodeJwt(envelope.accessToken).sessionId as string,
        },
      });
      const before = server.deps.sessionWriter.batchCount;
      // Submitted in one turn, the three share one batch, written in order.
      const won = await Promise.all([
        server.deps.sessionWriter.rotate(rotation(other.refreshToken, "rt_first")),
        server.deps.sessionWriter.rotate(rotation(envelope.refreshToken, "rt_second")),
        server.deps.sessionWriter.rotate(rotation(envelope.refreshToken, "rt_third")),
      ]);
      expect(server.deps.sessionWriter.batchCount - before).toBe(1);
      expect(won).toEqual([true, true, false]);
      const stored = await server.deps.db.kysely
        .selectFrom("refresh_tokens")
        .select(["status", "successor_encrypted"])
        .where("digest", "=", refreshDigest(server.deps, envelope.refreshToken))
        .executeTakeFirstOrThrow();
      expect(stored).toEqual({ status: "rotated", successor_encrypted: "sealed rt_second" });
    });

    it("gives concurrent rotations of one token the same successor, and still treats late reuse as theft", async () => {
      const envelope = await guest();
      const pairs = await Promise.all(
        Array.from({ length: 4 }, () => refreshSession(server.deps, tenant(), envelope.refreshToken)),
      );
      expect(new Set(pairs.map((pair) => pair.refreshToken)).size).toBe(1);
      const successor = pairs[0] as (typeof pairs)[0];
      expect((await sessions(successor.accessToken)).statusCode).toBe(200);
      server.clock.advance(10_001);
      expect((await refresh(envelope.refreshToken)).statusCode).toBe(401);
      expect((await refresh(successor.refreshToken)).statusCode).toBe(401);
      expect((await sessions(successor.accessToken)).statusCode).toBe(401);
    });

    it("answers a session that cannot be written with its own error, and opens the others of its batch", async () => {
      await startSession(server.deps, tenant(), consumerNamed("taken@example.com"), { createConsumer: true });
      const results = await Promise.allSettled([
        startGuestSession(server.deps, tenant()),
        startGuestSession(server.deps, tenant()),
        startSession(server.deps, tenant(), consumerNamed("taken@example.com"), { createConsumer: true }).then(
          (opened) => opened.envelope,
        ),
        startGuestSession(server.deps, tenant()),
      ]);
      expect(results.map((result) => result.status)).toEqual(["fulfilled", "fulfilled", "rejected", "fulfilled"]);
      const failure = results[2];
      expect(failure?.status === "rejected" && isUniqueViolation(failure.reason)).toBe(true);
      for (const result of results) {
        if (result.status === "fulfilled") expect((await refresh(result.value.refreshToken)).statusCode).toBe(200);
      }
    });

    it("trusts a token it just issued without verifying its signature again", async () => {
      const verifier = server.deps.accessTokens;
      const start = verifier.signatureVerifications;
      const envelope = await guest();
      expect((await sessions(envelope.accessToken)).statusCode).toBe(200);
      const next = (await refresh(envelope.refreshToken)).json();
      expect((await sessions(next.accessToken)).statusCode).toBe(200);
      expect(verifier.signatureVerifications).toBe(start);
      // Control: once the cache is emptied, the same token costs a verification.
      verifier.apply({ type: "all" });
      expect((await sessions(next.accessToken)).statusCode).toBe(200);
      expect(verifier.signatureVerifications).toBe(start + 1);
    });
  });

  describe("logout and session revocation", () => {
    it("logs out the current session: the access and refresh tokens stop working", async () => {
      const envelope = await guest();
      expect((await sessions(envelope.accessToken)).statusCode).toBe(200); // cached as valid
      const logout = await call(server.consumer, "POST", "/api/v1/auth/logout", { key: envelope.accessToken });
      expect(logout.statusCode).toBe(204);
      expect(logout.body).toBe("");
      expect((await sessions(envelope.accessToken)).json().error).toBe("invalid_token");
      expect((await refresh(envelope.refreshToken)).statusCode).toBe(401);
    });

    it("logs out everywhere with scope all, and revokes one session by id", async () => {
      const first = await guest();
      const consumerId = first.session.consumerId;
      // More sessions for the same consumer, as a second sign-in on other devices would open.
      const tenant = { organizationId, mode: "live" as const };
      const consumer = { id: consumerId, kind: "guest" as const, email: null, phone: null, createdAt: "" };
      const second = (await startSession(server.deps, tenant, consumer, { createConsumer: false })).envelope;
      const third = (await startSession(server.deps, tenant, consumer, { createConsumer: false })).envelope;
      expect((await sessions(first.accessToken)).json().data).toHaveLength(3);

      const thirdId = decodeJwt(third.accessToken).sessionId as string;
      const revokeOne = await call(server.consumer, "DELETE", `/api/v1/auth/sessions/${thirdId}`, {
        key: first.accessToken,
      });
      expect(revokeOne.statusCode).toBe(204);
      expect((await sessions(third.accessToken)).statusCode).toBe(401);
      const again = await call(server.consumer, "DELETE", `/api/v1/auth/sessions/${thirdId}`, {
        key: first.accessToken,
      });
      expect(again.statusCode).toBe(404);

      const all = await call(server.consumer, "POST", "/api/v1/auth/logout", {
        key: second.accessToken,
        body: { scope: "all" },
      });
      expect(all.statusCode).toBe(204);
      expect((await sessions(first.accessToken)).statusCode).toBe(401);
      expect((await sessions(second.accessToken)).statusCode).toBe(401);
    });

    it("cannot revoke another consumer's session", async () => {
      const mine = await guest();
      const theirs = await guest();
      const theirId = decodeJwt(theirs.accessToken).sessionId as string;
      const response = await call(server.consumer, "DELETE", `/api/v1/auth/sessions/${theirId}`, {
        key: mine.accessToken,
      });
      expect(response.statusCode).toBe(404);
      expect((await sessions(theirs.accessToken)).statusCode).toBe(200);
    });
  });
});
