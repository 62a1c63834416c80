import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import type { BootstrapKeys } from "../src/modules/orgs/service.js";
import { createTestOrganization, createTestServer, dialects, type TestServer } from "./harness.js";
import { call } from "./http.js";

const SHOPIFY = { provider: "shopify", issuer: "https://your-store.myshopify.com", subject: "customer_123456" };

describe.each(dialects())("external authentication (%s)", (dialect) => {
  let server: TestServer;
  let keys: BootstrapKeys;

  beforeAll(async () => {
    server = await createTestServer(dialect);
  });
  afterAll(() => server.close());
  beforeEach(async () => {
    ({ keys } = await createTestOrganization(server));
  });

  const authorize = (body: Record<string, unknown>, key = keys.secretLive) =>
    call(server.consumer, "POST", "/api/v1/auth/external/authorize", { key, body });
  const exchange = (exchangeCode: string, publishable = keys.publishableLive) =>
    call(server.consumer, "POST", "/api/v1/auth/external/exchange", {
      headers: { "x-publishable-key": publishable },
      body: { exchangeCode },
    });
  const sessions = (token: string) => call(server.consumer, "GET", "/api/v1/auth/sessions", { key: token });

  async function codeFor(body: Record<string, unknown>) {
    const response = await authorize(body);
    expect(response.statusCode).toBe(200);
    return response.json() as { exchangeCode: string; expiresAt: string; resolution: string };
  }

  it("authorizes with a secret key and exchanges the code once for an authenticated session", async () => {
    const minted = await codeFor({
      ...SHOPIFY,
      claims: { email: "Jane@Example.com", emailVerified: true, name: "Jane" },
    });
    expect(minted.exchangeCode).toMatch(/^exc_[A-Za-z0-9_-]{43}$/);
    expect(minted.expiresAt).toBe(new Date(server.clock.now() + 60_000).toISOString());
    expect(minted.resolution).toBe("created");
    const response = await exchange(minted.exchangeCode);
    expect(response.statusCode).toBe(200);
    const envelope = response.json();
    expect(envelope.session).toMatchObject({
      type: "authenticated",
      consumerId: expect.stringMatching(/^cons_/),
      email: "jane@example.com",
    });
    expect(envelope.session).not.toHaveProperty("guestId");
    expect((await sessions(envelope.accessToken)).statusCode).toBe(200);
    expect(server.logs.text).not.toContain(minted.exchangeCode);
  });

  it("refuses a publishable key on authorize with exactly {error: Secret key required}", async () => {
    const variants: Record<string, string>[] = [
      { authorization: `Bearer ${keys.publishableLive}` },
      { "x-publishable-key": keys.publishableLive },
    ];
    for (const headers of variants) {
      const response = await call(server.consumer, "POST", "/api/v1/auth/external/authorize", {
        headers,
        body: SHOPIFY,
      });
      expect(response.statusCode).toBe(401);
      expect(response.body).toBe('{"error":"Secret key required"}');
    }
  });

  it("resolves known identities to the same consumer and links only through canonicalSubject", async () => {
    const first = await codeFor({ ...SHOPIFY, canonicalSubject: "person-1", claims: { email: "a@example.com" } });
    const firstConsumer = (await exchange(first.exchangeCode)).json().session.consumerId;

    const again = await codeFor(SHOPIFY);
    expect(again.resolution).toBe("existing");
    expect((await exchange(again.exchangeCode)).json().session.consumerId).toBe(firstConsumer);

    const linked = await codeFor({
      provider: "auth0",
      issuer: "https://acme.auth0.com",
      subject: "u1",
      canonicalSubject: "person-1",
    });
    expect(linked.resolution).toBe("linked");
    expect((await exchange(linked.exchangeCode)).json().session.consumerId).toBe(firstConsumer);

    // Same email, no canonicalSubject: a different consumer (never linked by email).
    const sameEmail = await codeFor({
      provider: "auth0",
      issuer: "https://acme.auth0.com",
      subject: "u2",
      claims: { email: "a@example.com" },
    });
    expect(sameEmail.resolution).toBe("created");
    expect((await exchange(sameEmail.exchangeCode)).json().session.consumerId).not.toBe(firstConsumer);
  });

  /** A code sign-in in test mode, as the owner of the address would do it. */
  async function codeSignIn(email: string) {
    const headers = { "x-publishable-key": keys.publishableTest };
    await call(server.consumer, "POST", "/api/v1/auth/otp/request", { headers, body: { email } });
    const outbox = await call(server.admin, "GET", `/api/v1/test/messages?to=${encodeURIComponent(email)}`, {
      key: keys.secretTest,
    });
    const code = outbox.json().data[0].code;
    const response = await call(server.consumer, "POST", "/api/v1/auth/otp/verify", { headers, body: { email, code } });
    expect(response.statusCode).toBe(200);
    return response.json().session as { consumerId: string; email?: string };
  }
  async function externalSignIn(claims: Record<string, unknown>, subject: string) {
    const minted = await authorize({ ...SHOPIFY, subject, claims }, keys.secretTest);
    expect(minted.statusCode).toBe(200);
    const response = await exchange(minted.json().exchangeCode, keys.publishableTest);
    expect(response.statusCode).toBe(200);
    return response.json().session as { consumerId: string; email?: string };
  }

  it("never gives a code sign-in the consumer an unverified claimed email pre-created (pre-account hijacking)", async () => {
    for (const [victimEmail, claims] of [
      ["victim@example.com", { email: "Victim@Example.com" }],
      ["other.victim@example.com", { email: "other.victim@example.com", emailVerified: false }],
    ] as const) {
      const attacker = await externalSignIn(claims, `attacker-of-${victimEmail}`);
      expect(attacker).not.toHaveProperty("email");
      const victim = await codeSignIn(victimEmail);
      expect(victim.consumerId).not.toBe(attacker.consumerId);
      expect(victim.email).toBe(victimEmail);
      const listed = await call(server.admin, "GET", `/api/v1/consumers?email=${encodeURIComponent(victimEmail)}`, {
        key: keys.secretTest,
      });
      expect(listed.json().data.map((c: { id: string }) => c.id)).toEqual([victim.consumerId]);
    }
  });

  it("links a code sign-in to the external login's consumer when the merchant verified the email", async () => {
    const external = await externalSignIn({ email: "Known@Example.com", emailVerified: true }, "verified-1");
    expect(external.email).toBe("known@example.com");
    const byCode = await codeSignIn("known@example.com");
    expect(byCode.consumerId).toBe(external.consumerId);
  });

  it("fails a replayed code and revokes the session the first redemption opened", async () => {
    const { exchangeCode } = await codeFor(SHOPIFY);
    const first = (await exchange(exchangeCode)).json();
    const replay = await exchange(exchangeCode);
    expect(replay.statusCode).toBe(401);
    expect(replay.json().error).toBe("invalid_exchange_code");
    expect((await sessions(first.accessToken)).statusCode).toBe(401);
  });

  it("treats concurrent redemptions as a replay: at most one answer, and no live session", async () => {
    for (let round = 0; round < 5; round++) {
      const { exchangeCode } = await codeFor(SHOPIFY);
      const results = await Promise.all(Array.from({ length: 3 }, () => exchange(exchangeCode)));
      const granted = results.filter((r) => r.statusCode === 200);
      expect(granted.length).toBeLessThanOrEqual(1);
      for (const refused of results.filter((r) => r.statusCode !== 200)) {
        expect(refused.json().error).toBe("invalid_exchange_code");
      }
      for (const response of granted) expect((await sessions(response.json().accessToken)).statusCode).toBe(401);
    }
  });

  it("expires codes after 60 seconds", async () => {
    const { exchangeCode } = await codeFor(SHOPIFY);
    server.clock.advance(60_000);
    const response = await exchange(exchangeCode);
    expect(response.statusCode).toBe(401);
    expect(response.json().error).toBe("exchange_code_expired");
  });

  it("binds a code to the minting organization and mode", async () => {
    const { exchangeCode } = await codeFor(SHOPIFY);
    const other = await createTestOrganization(server, "Other Shop");
    for (const publishable of [keys.publishableTest, other.keys.publishableLive]) {
      const response = await exchange(exchangeCode, publishable);
      expect(response.statusCode).toBe(401);
      expect(response.json().error).toBe("invalid_exchange_code");
    }
    expect((await exchange(exchangeCode)).statusCode).toBe(200);
    expect((await exchange("exc_unknown")).json().error).toBe("invalid_exchange_code");
  });

  it("validates the request, including the 10,000-character claims limit", async () => {
    expect((await authorize({ provider: "shopify", issuer: "x" })).statusCode).toBe(400);
    const huge = await authorize({ ...SHOPIFY, claims: { bio: "x".repeat(10_001) } });
    expect(huge.statusCode).toBe(400);
    expect(huge.json().issues).toEqual([{ path: "body.claims", message: "must be at most 10000 characters of JSON" }]);
  });
});
