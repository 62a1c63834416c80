import { decodeJwt } from "jose";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { UNHEARD_MAX_AGE_MS, VerdictTrust } from "../src/cache/verdict-trust.js";
import { isDatabaseUnavailable } from "../src/db/unavailable.js";
import { KeyVerifier } from "../src/modules/keys/verify.js";
import type { BootstrapKeys } from "../src/modules/orgs/service.js";
import { AccessTokenVerifier } from "../src/modules/tokens/access-tokens.js";
import { SigningKeyRing } from "../src/modules/tokens/signing-keys.js";
import { FaultProxy } from "./fault-proxy.js";
import {
  createTestDatabase,
  createTestOrganization,
  createTestServer,
  dialects,
  type TestDatabase,
  type TestServer,
} from "./harness.js";
import { call } from "./http.js";
import { until } from "./until.js";

/** The invalidation bus's health, as the test sets it: another process's events heard or not. */
class Hearing {
  healthy = true;
}

/**
 * Another process changed a row and its event never arrived (both transports down): while the
 * bus is healthy a cached verdict is trusted until its TTL; while it is not, for a second only.
 * The changes are written straight to the database, as the other process would have.
 */
describe.each(dialects())("cached verdicts while invalidations may go unheard (%s)", (dialect) => {
  let server: TestServer;
  let keys: BootstrapKeys;
  const hearing = new Hearing();
  const trust = new VerdictTrust(hearing);

  beforeAll(async () => {
    server = await createTestServer(dialect);
    ({ keys } = await createTestOrganization(server));
  });
  afterAll(() => server.close());

  it("re-reads a key after a second, not after its TTL, once no transport is known to work", async () => {
    const verifier = new KeyVerifier(server.deps.db, server.clock, server.deps.secrets["api-key-digest"], { trust });
    const first = await verifier.verify(keys.secretTest);
    expect(first.ok).toBe(true);
    const keyId = first.ok ? first.key.record.id : "";
    await server.deps.db.kysely.updateTable("api_keys").set({ status: "inactive" }).where("id", "=", keyId).execute();

    hearing.healthy = true;
    server.clock.advance(UNHEARD_MAX_AGE_MS * 5);
    expect((await verifier.verify(keys.secretTest)).ok).toBe(true);
    hearing.healthy = false;
    expect(await verifier.verify(keys.secretTest)).toMatchObject({ ok: false, reason: "inactive" });
  });

  it("checks a cached token's session again after a second once no transport is known to work", async () => {
    const verifier = new AccessTokenVerifier(
      server.deps.signingKeys,
      server.clock,
      (sessionId) => server.deps.sessionLiveness.liveOwner(sessionId),
      undefined,
      trust,
    );
    const guest = await call(server.consumer, "POST", "/api/v1/auth/guest", {
      headers: { "x-publishable-key": keys.publishableLive },
    });
    const { accessToken } = guest.json() as { accessToken: string };
    hearing.healthy = true;
    expect((await verifier.verify(accessToken)).ok).toBe(true);
    const sessionId = decodeJwt(accessToken).sessionId as string;
    await server.deps.db.kysely
      .updateTable("sessions")
      .set({ revoked_at: new Date(server.clock.now()).toISOString() })
      .where("id", "=", sessionId)
      .execute();

    server.clock.advance(UNHEARD_MAX_AGE_MS * 5);
    expect((await verifier.verify(accessToken)).ok).toBe(true);
    hearing.healthy = false;
    expect(await verifier.verify(accessToken)).toEqual({ ok: false, reason: "revoked" });
  });
});

describe.runIf(inject("postgres"))("cached verdicts while the database is out of reach too", () => {
  const proxy = new FaultProxy(5432);
  let server: TestServer;
  let keys: BootstrapKeys;
  let database: TestDatabase;

  beforeAll(async () => {
    await proxy.start();
    database = await createTestDatabase("postgres");
    const url = proxy.urlFor(database.env.FANFARE_DATABASE_URL ?? "");
    server = await createTestServer("sqlite", { FANFARE_DATABASE_URL: url });
    ({ keys } = await createTestOrganization(server));
  });
  afterAll(async () => {
    proxy.set("pass");
    await server.close();
    await proxy.close();
    await database.drop();
  });

  it("serves a cached key within its TTL when the re-read cannot reach the database, and not past it", async () => {
    const hearing = new Hearing();
    const verifier = new KeyVerifier(server.deps.db, server.clock, server.deps.secrets["api-key-digest"], {
      trust: new VerdictTrust(hearing),
    });
    expect((await verifier.verify(keys.secretLive)).ok).toBe(true);
    hearing.healthy = false;
    proxy.set("cut");
    server.clock.advance(UNHEARD_MAX_AGE_MS * 5);
    // Nothing can be revoked without the database: the verdict it would have replaced serves.
    expect((await verifier.verify(keys.secretLive)).ok).toBe(true);
    server.clock.advance(60_000);
    const refused = await verifier.verify(keys.secretLive).catch((err: unknown) => err);
    expect(isDatabaseUnavailable(refused)).toBe(true);
    proxy.set("pass");
  });

  /** A guest's access token, once the server answers again after the previous test's cut. */
  async function guestToken(): Promise<string> {
    let token = "";
    await until("the database to answer again", async () => {
      const guest = await call(server.consumer, "POST", "/api/v1/auth/guest", {
        headers: { "x-publishable-key": keys.publishableLive },
      });
      token = guest.statusCode === 200 ? guest.json().accessToken : "";
      return token !== "";
    });
    return token;
  }

  /** A verifier that knows every revocation, as a serving process does: it asks the database only for keys. */
  async function knowingVerifier(ring: SigningKeyRing): Promise<AccessTokenVerifier> {
    const verifier = new AccessTokenVerifier(ring, server.clock, (id) => server.deps.sessionLiveness.liveOwner(id));
    await verifier.revocations.learn(async () => []);
    return verifier;
  }

  it("keeps verifying tokens with a signing key it holds when the key's re-read cannot reach the database", async () => {
    const [before, after] = [await guestToken(), await guestToken()];
    const ring = new SigningKeyRing(server.deps.db, server.clock, server.deps.secrets["signing-key-encryption"]);
    const verifier = await knowingVerifier(ring);
    expect((await verifier.verify(before)).ok).toBe(true);
    proxy.set("cut");
    // Past the key's re-read time, as in a process that has served for a minute.
    server.clock.advance(61_000);
    expect((await verifier.verify(after)).ok).toBe(true);
    proxy.set("pass");
  });

  it("answers 503, never 401, for a token whose signing key it cannot read while the database is out of reach", async () => {
    const accessToken = await guestToken();
    proxy.set("cut");
    // A ring that has read no key yet, as in another process that just started.
    const ring = new SigningKeyRing(server.deps.db, server.clock, server.deps.secrets["signing-key-encryption"]);
    const verifier = await knowingVerifier(ring);
    const refused = await verifier.verify(accessToken).catch((err: unknown) => err);
    expect(isDatabaseUnavailable(refused)).toBe(true);
    proxy.set("pass");
    await until(
      "the database to answer again",
      async () => (await verifier.verify(accessToken).catch(() => undefined))?.ok === true,
    );
  });
});
