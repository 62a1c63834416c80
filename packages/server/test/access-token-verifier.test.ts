import { generateKeyPairSync } from "node:crypto";
import { decodeJwt, decodeProtectedHeader } from "jose";
import type { KyselyPlugin } from "kysely";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { isoAt } from "../src/lib/clock.js";
import { deriveKeys } from "../src/lib/secrets.js";
import { AccessTokenVerifier } from "../src/modules/tokens/access-tokens.js";
import { SigningKeyRing } from "../src/modules/tokens/signing-keys.js";
import { createTestOrganization, createTestServer, dialects, type TestServer } from "./harness.js";
import { call } from "./http.js";

describe.each(dialects())("AccessTokenVerifier (%s)", (dialect) => {
  let server: TestServer;

  beforeAll(async () => {
    server = await createTestServer(dialect);
  });
  afterAll(() => server.close());

  /** `count` guests' access tokens, each asked from its own address in the /24 `network`. */
  const guestTokens = (publishableKey: string, count: number, network: string) =>
    Promise.all(
      Array.from({ length: count }, async (_, i) => {
        const guest = await call(server.consumer, "POST", "/api/v1/auth/guest", {
          headers: { "x-publishable-key": publishableKey },
          remoteAddress: `${network}.${i}`,
        });
        return guest.json().accessToken as string;
      }),
    );
  /** Revoked as another process would, with no event reaching the verifier under test. */
  const revokeInDatabase = (sessionId: string) =>
    server.deps.db.kysely
      .updateTable("sessions")
      .set({ revoked_at: isoAt(server.clock.now()) })
      .where("id", "=", sessionId)
      .execute();

  it("keeps a revoked session's token refused when the token cache has room for one token only", async () => {
    const { keys } = await createTestOrganization(server);
    const guest = await call(server.consumer, "POST", "/api/v1/auth/guest", {
      headers: { "x-publishable-key": keys.publishableLive },
    });
    const token = guest.json().accessToken as string;
    const sessionId = decodeJwt(token).sessionId as string;
    // Room for one token only: revocations are remembered apart from the tokens.
    const verifier = new AccessTokenVerifier(
      server.deps.signingKeys,
      server.clock,
      (id) => server.deps.sessionLiveness.liveOwner(id),
      1,
    );
    expect((await verifier.verify(token)).ok).toBe(true); // cached

    await revokeInDatabase(sessionId);
    verifier.apply({ type: "session", sessionId });
    verifier.apply({ type: "session", sessionId: "sess_01JSOMEOTHERSESSION0000000" });
    expect(await verifier.verify(token)).toEqual({ ok: false, reason: "revoked" });
  });

  it("checks the sessions of many unseen tokens in few statements, and still refuses a revoked one", async () => {
    const { keys } = await createTestOrganization(server);
    const tokens = await guestTokens(keys.publishableLive, 40, "203.0.113");
    const revoked = decodeJwt(tokens[7] as string).sessionId as string;
    await revokeInDatabase(revoked);
    // As in another server process: none of these tokens has been verified here yet.
    const verifier = new AccessTokenVerifier(server.deps.signingKeys, server.clock, (id) =>
      server.deps.sessionLiveness.liveOwner(id),
    );
    const before = server.deps.sessionLiveness.statementCount;
    const outcomes = await Promise.all(tokens.map((token) => verifier.verify(token)));
    // Signatures are checked on the thread pool and finish over a few turns: still far fewer than 40.
    expect(server.deps.sessionLiveness.statementCount - before).toBeLessThan(10);
    expect(outcomes[7]).toEqual({ ok: false, reason: "revoked" });
    expect(outcomes.filter((outcome) => outcome.ok)).toHaveLength(39);
    expect(verifier.signatureVerifications).toBe(40);
  });

  it("verifies an unseen token's signature once however many requests bring it at once", async () => {
    const { keys } = await createTestOrganization(server);
    const [token] = await guestTokens(keys.publishableLive, 1, "203.0.114");
    const verifier = new AccessTokenVerifier(server.deps.signingKeys, server.clock, (id) =>
      server.deps.sessionLiveness.liveOwner(id),
    );
    const outcomes = await Promise.all(Array.from({ length: 5 }, () => verifier.verify(token as string)));
    expect(outcomes.every((outcome) => outcome.ok)).toBe(true);
    expect(verifier.signatureVerifications).toBe(1);
    // Once settled, the next use is a cache hit, and a token never seen is checked anew.
    await verifier.verify(token as string);
    expect(verifier.signatureVerifications).toBe(1);
    expect(await verifier.verify(`${token}x`)).toEqual({ ok: false, reason: "invalid" });
    expect(verifier.signatureVerifications).toBe(2);
  });

  it("checks a token of the key that signs by signing it again, and one of a key it does not hold by verifying", async () => {
    const { keys } = await createTestOrganization(server);
    const [token] = (await guestTokens(keys.publishableLive, 1, "203.0.115")) as [string];
    const { kid } = decodeProtectedHeader(token) as { kid: string };
    const encryptionKey = deriveKeys(server.config.secret)["signing-key-encryption"];
    const verifierWith = (ring: SigningKeyRing) =>
      new AccessTokenVerifier(ring, server.clock, (id) => server.deps.sessionLiveness.liveOwner(id));

    // As in another process that has started (and so loaded the key that signs).
    const started = new SigningKeyRing(server.deps.db, server.clock, encryptionKey);
    await started.ensureKey();
    expect(started.signingKeyOf(kid)).toBeDefined();
    expect((await verifierWith(started).verify(token)).ok).toBe(true);
    // A ring that holds the wrong private half for the kid refuses the genuine token: the private half is what decided.
    const mismatched = new SigningKeyRing(server.deps.db, server.clock, encryptionKey);
    mismatched.signingKeyOf = () => generateKeyPairSync("ed25519").privateKey;
    expect(await verifierWith(mismatched).verify(token)).toEqual({ ok: false, reason: "invalid" });
    // A ring that has not loaded the key that signs verifies with the public half.
    const unloaded = new SigningKeyRing(server.deps.db, server.clock, encryptionKey);
    expect(unloaded.signingKeyOf(kid)).toBeUndefined();
    expect((await verifierWith(unloaded).verify(token)).ok).toBe(true);
  });

  it("reads a signing key once however many requests ask for it at once", async () => {
    let statements = 0;
    const counting: KyselyPlugin = {
      transformQuery: (args) => {
        statements++;
        return args.node;
      },
      transformResult: async (args) => args.result,
    };
    // As in a server process that has just started, or whose cached keys have just expired.
    const ring = new SigningKeyRing(
      { ...server.deps.db, kysely: server.deps.db.kysely.withPlugin(counting) },
      server.clock,
      deriveKeys(server.config.secret)["signing-key-encryption"],
    );
    const signing = await Promise.all(Array.from({ length: 100 }, () => ring.activeKey()));
    expect(statements).toBe(1);
    const { kid } = signing[0] as (typeof signing)[number];
    expect(new Set(signing.map((key) => key.kid))).toEqual(new Set([kid]));

    const verifying = await Promise.all(Array.from({ length: 100 }, () => ring.publicKey(kid)));
    expect(statements).toBe(2);
    expect(verifying[0]).not.toBeNull();
    expect(new Set(verifying).size).toBe(1);

    server.clock.advance(61_000);
    await Promise.all(Array.from({ length: 50 }, (_, i) => (i % 2 ? ring.activeKey() : ring.publicKey(kid))));
    expect(statements).toBe(4);
  });

  it("judges a token signed elsewhere without the database once every revocation in reach is known", async () => {
    const { keys } = await createTestOrganization(server);
    const tokens = await guestTokens(keys.publishableLive, 3, "198.51.100");
    const [earlier, fresh, later] = tokens as [string, string, string];
    // Revoked before this "process" started: only the database can tell it.
    await revokeInDatabase(decodeJwt(earlier).sessionId as string);
    let sessionChecks = 0;
    const verifier = new AccessTokenVerifier(server.deps.signingKeys, server.clock, (id) => {
      sessionChecks++;
      return server.deps.sessionLiveness.liveOwner(id);
    });
    await verifier.revocations.learn((sinceMs) => server.deps.sessionLiveness.revokedSince(sinceMs));
    expect(verifier.revocations.known).toBe(true);
    expect(await verifier.verify(earlier)).toEqual({ ok: false, reason: "revoked" });
    expect((await verifier.verify(fresh)).ok).toBe(true);
    expect(sessionChecks).toBe(0);

    // A transport reconnected: events may have been missed, so sessions are asked about again.
    verifier.apply({ type: "all" });
    expect(verifier.revocations.known).toBe(false);
    expect((await verifier.verify(later)).ok).toBe(true);
    expect(sessionChecks).toBe(1);
  });
});
