import { createServer, type IncomingHttpHeaders } from "node:http";
import type { AddressInfo } from "node:net";
import { decodeJwt } from "jose";
import { SMTPServer } from "smtp-server";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { verifyWebhook } from "../src/lib/webhook-signature.js";
import type { BootstrapKeys } from "../src/modules/orgs/service.js";
import { createTestOrganization, createTestServer, dialects, type TestServer } from "./harness.js";
import { call } from "./http.js";
import { LOOPBACK_ALLOWED, WebhookReceiver } from "./webhook-receiver.js";

const EXPIRED = '{"error":"otp_expired","message":"Your verification code has expired. Please request a new one."}';
const INVALID = '{"error":"otp_invalid","message":"Invalid verification code. Please try again."}';

describe.each(dialects())("one-time codes (%s)", (dialect) => {
  let server: TestServer;
  let keys: BootstrapKeys;

  beforeAll(async () => {
    // Injected requests come from 127.0.0.1, so X-Forwarded-For picks each test client's address.
    server = await createTestServer(dialect, { FANFARE_TRUSTED_PROXIES: "127.0.0.1" });
  });
  afterAll(() => server.close());
  beforeEach(async () => {
    ({ keys } = await createTestOrganization(server));
  });

  const pk = (key = keys.publishableTest) => ({ "x-publishable-key": key });
  const request = (body: Record<string, unknown>, key?: string) =>
    call(server.consumer, "POST", "/api/v1/auth/otp/request", { headers: pk(key), body });
  const verify = (body: Record<string, unknown>, headers: Record<string, string> = {}) =>
    call(server.consumer, "POST", "/api/v1/auth/otp/verify", { headers: { ...pk(), ...headers }, body });
  const from = (ip: string) => ({ "x-forwarded-for": ip });
  const requestFrom = (ip: string, body: Record<string, unknown>) =>
    call(server.consumer, "POST", "/api/v1/auth/otp/request", { headers: { ...pk(), ...from(ip) }, body });
  async function outbox(to: string): Promise<string[]> {
    const response = await call(server.admin, "GET", `/api/v1/test/messages?to=${encodeURIComponent(to)}`, {
      key: keys.secretTest,
    });
    expect(response.statusCode).toBe(200);
    return response.json().data.map((m: { code: string }) => m.code);
  }
  async function codeFor(email: string): Promise<string> {
    expect((await request({ email })).json()).toEqual({ ok: true });
    return (await outbox(email))[0] as string;
  }
  const wrong = (code: string) => String((Number(code) + 1) % 1_000_000).padStart(6, "0");

  it("signs a consumer in by email: request, read the test outbox, verify", async () => {
    const code = await codeFor("  Jane.Doe@EXAMPLE.com ");
    expect(code).toMatch(/^\d{6}$/);
    const response = await verify({ email: "Jane.Doe@example.com", code });
    expect(response.statusCode).toBe(200);
    const envelope = response.json();
    expect(envelope.session).toMatchObject({
      type: "authenticated",
      consumerId: expect.stringMatching(/^cons_/),
      email: "jane.doe@example.com",
    });
    expect(decodeJwt(envelope.accessToken)).toMatchObject({ isGuest: false, mode: "test" });
    // The same identifier signs in to the same consumer next time; codes are single use.
    expect((await verify({ email: "Jane.Doe@example.com", code })).body).toBe(INVALID);
    server.clock.advance(60_000);
    const again = await verify({ email: "Jane.Doe@example.com", code: await codeFor("Jane.Doe@example.com") });
    expect(again.json().session.consumerId).toBe(envelope.session.consumerId);
    expect(server.logs.text).not.toContain(code);
  });

  it("answers wrong and expired codes with the seed's exact bodies", async () => {
    const code = await codeFor("a@example.com");
    const bad = await verify({ email: "a@example.com", code: wrong(code) });
    expect(bad.statusCode).toBe(401);
    expect(bad.body).toBe(INVALID);
    server.clock.advance(10 * 60_000);
    const late = await verify({ email: "a@example.com", code });
    expect(late.statusCode).toBe(401);
    expect(late.body).toBe(EXPIRED);
  });

  it("kills a code after five wrong attempts, even for the right digits", async () => {
    const code = await codeFor("b@example.com");
    for (let i = 0; i < 5; i++)
      expect((await verify({ email: "b@example.com", code: wrong(code) })).body).toBe(INVALID);
    expect((await verify({ email: "b@example.com", code })).body).toBe(INVALID);
  });

  it("lets fifty parallel wrong guesses from fifty addresses compare at most five", async () => {
    const code = await codeFor("c@example.com");
    const guesses = await Promise.all(
      Array.from({ length: 50 }, (_, n) =>
        verify({ email: "c@example.com", code: wrong(code) }, from(`203.0.113.${n}`)),
      ),
    );
    expect(guesses.every((g) => g.body === INVALID)).toBe(true);
    const row = await server.deps.db.kysely
      .selectFrom("otp_codes")
      .select("attempts")
      .where("identifier", "=", "c@example.com")
      .executeTakeFirstOrThrow();
    expect(row.attempts).toBe(50); // every one counted before any comparison, even in parallel

    expect((await verify({ email: "c@example.com", code })).body).toBe(INVALID);
  });

  it("gives exactly one session to two parallel right guesses", async () => {
    const code = await codeFor("d@example.com");
    const results = await Promise.all([
      verify({ email: "d@example.com", code }),
      verify({ email: "d@example.com", code }),
    ]);
    expect(results.map((r) => r.statusCode).sort()).toEqual([200, 401]);
  });

  it("enforces a 60 s resend cooldown, and a new code kills the previous one", async () => {
    const first = await codeFor("e@example.com");
    const soon = await request({ email: "e@example.com" });
    expect(soon.statusCode).toBe(429);
    expect(soon.json()).toEqual({ error: "Rate limit exceeded", retryAfter: 60 });
    expect(soon.headers["retry-after"]).toBe("60");
    // Codes are random: one in a million repeats the previous, so ask again until they differ.
    let second = first;
    while (second === first) {
      server.clock.advance(60_000);
      second = await codeFor("e@example.com");
    }
    expect((await verify({ email: "e@example.com", code: first })).body).toBe(INVALID);
    expect((await verify({ email: "e@example.com", code: second })).statusCode).toBe(200);
  });

  it("limits requests to 5 per identifier and 20 per IP in 10 minutes, with rate-limit headers", async () => {
    for (let i = 0; i < 5; i++) {
      expect((await request({ email: "busy@example.com" })).statusCode).toBe(200);
      server.clock.advance(60_000);
    }
    const sixth = await request({ email: "busy@example.com" });
    expect(sixth.statusCode).toBe(429);
    expect(sixth.json().error).toBe("Rate limit exceeded");
    expect(Number(sixth.headers["retry-after"])).toBeGreaterThan(0);

    const fromIp = (n: number, remoteAddress = "198.51.100.7") =>
      call(server.consumer, "POST", "/api/v1/auth/otp/request", {
        headers: pk(),
        body: { email: `ip-${n}@example.com` },
        remoteAddress,
      });
    for (let n = 0; n < 20; n++) {
      const ok = await fromIp(n);
      expect(ok.statusCode).toBe(200);
      expect(ok.headers["x-ratelimit-limit"]).toBeDefined();
    }
    const over = await fromIp(20);
    expect(over.statusCode).toBe(429);
    expect(over.headers["x-ratelimit-remaining"]).toBe("0");
    expect((await fromIp(21, "198.51.100.8")).statusCode).toBe(200);
  });

  it("answers identically for known and unknown identifiers", async () => {
    await verify({ email: "known@example.com", code: await codeFor("known@example.com") });
    server.clock.advance(60_000);
    const known = await request({ email: "known@example.com" });
    const unknown = await request({ email: "nobody@example.com" });
    expect([known.statusCode, known.body]).toEqual([unknown.statusCode, unknown.body]);
    const knownAgain = await request({ email: "known@example.com" });
    const unknownAgain = await request({ email: "nobody@example.com" });
    expect([knownAgain.statusCode, knownAgain.body]).toEqual([unknownAgain.statusCode, unknownAgain.body]);
  });

  it("never lets strangers' wrong guesses from many addresses lock the owner out", async () => {
    const owner = "owner@example.com";
    // Two codes the attacker asked for, five wrong guesses each, from ten addresses in all.
    for (let round = 0; round < 2; round++) {
      expect((await requestFrom(`203.0.113.${100 + round}`, { email: owner })).statusCode).toBe(200);
      const [code] = await outbox(owner);
      for (let n = 0; n < 5; n++) {
        const guess = await verify({ email: owner, code: wrong(code as string) }, from(`198.51.100.${round * 5 + n}`));
        expect(guess.body).toBe(INVALID);
      }
      // A sixth guess at a dead code, from an eleventh address, fails like the others.
      expect((await verify({ email: owner, code: "000000" }, from(`198.51.100.${20 + round}`))).body).toBe(INVALID);
      server.clock.advance(60_000);
    }
    const ownAddress = from("192.0.2.10");
    const asked = await requestFrom("192.0.2.10", { email: owner });
    expect(asked.statusCode).toBe(200);
    const [code] = await outbox(owner);
    const signedIn = await verify({ email: owner, code }, ownAddress);
    expect(signedIn.statusCode).toBe(200);
    expect(signedIn.json().session.email).toBe(owner);
  });

  it("holds one network to 10 guesses an hour at one identifier, without touching other networks", async () => {
    const guesser = from("203.0.113.50");
    for (let round = 0; round < 2; round++) {
      const code = await codeFor("f@example.com");
      // All five guesses at once: each one still counts against the budget.
      await Promise.all(
        Array.from({ length: 5 }, () => verify({ email: "f@example.com", code: wrong(code) }, guesser)),
      );
      server.clock.advance(60_000);
    }
    const code = await codeFor("f@example.com");
    const refused = await verify({ email: "f@example.com", code }, guesser);
    expect(refused.statusCode).toBe(429);
    expect(refused.json().retryAfter).toBeGreaterThan(600);
    // The same network still gets other identifiers; another network still gets this one.
    const other = await codeFor("g@example.com");
    expect((await verify({ email: "g@example.com", code: other }, guesser)).statusCode).toBe(200);
    expect((await verify({ email: "f@example.com", code }, from("192.0.2.20"))).statusCode).toBe(200);
    server.clock.advance(60 * 60_000);
    const later = await codeFor("f@example.com");
    expect((await verify({ email: "f@example.com", code: later }, guesser)).statusCode).toBe(200);
  });

  it("parses phones to E.164, refuses unparsable numbers and countries outside the SMS list", async () => {
    expect((await request({ phone: "(202) 555-1234", defaultCountry: "US" })).statusCode).toBe(200);
    const [code] = await outbox("+12025551234");
    expect(code).toMatch(/^\d{6}$/);
    const signedIn = await verify({ phone: "+1 202 555 1234", code });
    expect(signedIn.json().session.phone).toBe("+12025551234");

    const garbage = await request({ phone: "12", defaultCountry: "US" });
    expect(garbage.statusCode).toBe(400);
    expect(garbage.json().error).toBe("invalid_phone");
    const abroad = await request({ phone: "+447400123456" });
    expect(abroad.statusCode).toBe(400);
    expect(abroad.json().error).toBe("sms_country_not_allowed");
    const widened = await call(server.admin, "PATCH", "/api/v1/organization", {
      key: keys.secretLive,
      body: { smsAllowedCountries: ["US", "GB"] },
    });
    expect(widened.json().smsAllowedCountries).toEqual(["US", "GB"]);
    const uk = await request({ phone: "+447400123456" });
    expect(uk.json()).toEqual({ ok: true });
    for (const body of [{}, { email: "not-an-email" }, { email: "x@example.com", phone: "+12025550000" }]) {
      expect((await request(body)).json().error).toBe("validation_error");
    }
  });

  it("sends SMS codes to mobile numbers only: toll-free and premium-rate numbers are refused", async () => {
    // Refused before the country list is consulted, so the UK number needs no change to it.
    for (const [phone, type] of [
      ["+18005550199", "toll_free"],
      ["+449098790123", "premium_rate"],
    ] as const) {
      const refused = await request({ phone });
      expect(refused.statusCode, phone).toBe(400);
      expect(refused.json()).toEqual({
        error: "invalid_phone",
        reason: "not_mobile",
        type,
        message: `Codes are sent by SMS to mobile numbers only, and this number is not one (its type: ${type}).`,
      });
      expect(await outbox(phone)).toEqual([]);
    }
    // A US number may be a mobile (the plan cannot tell): accepted.
    expect((await request({ phone: "+12025550147" })).json()).toEqual({ ok: true });
    expect(await outbox("+12025550147")).toHaveLength(1);
  });

  it("upgrades a guest who verifies, and refuses an identifier that belongs to someone else", async () => {
    const guest = (await call(server.consumer, "POST", "/api/v1/auth/guest", { headers: pk() })).json();
    const code = await codeFor("upgrade@example.com");
    const upgraded = await verify(
      { email: "upgrade@example.com", code },
      { authorization: `Bearer ${guest.accessToken}` },
    );
    expect(upgraded.statusCode).toBe(200);
    expect(upgraded.json().session).toMatchObject({
      type: "authenticated",
      consumerId: expect.stringMatching(/^cons_/),
      guestId: guest.session.consumerId,
    });
    const oldToken = await call(server.consumer, "GET", "/api/v1/auth/sessions", { key: guest.accessToken });
    expect(oldToken.statusCode).toBe(401);

    const other = (await call(server.consumer, "POST", "/api/v1/auth/guest", { headers: pk() })).json();
    server.clock.advance(60_000);
    const conflict = await verify(
      { email: "upgrade@example.com", code: await codeFor("upgrade@example.com") },
      { authorization: `Bearer ${other.accessToken}` },
    );
    expect(conflict.statusCode).toBe(409);
    expect(conflict.json().error).toBe("already_linked");
  });

  it("never exposes live codes: the outbox is test-mode only and live requests do not fill it", async () => {
    const response = await call(server.admin, "GET", "/api/v1/test/messages", { key: keys.secretLive });
    expect(response.statusCode).toBe(403);
    expect((await request({ email: "live@example.com" }, keys.publishableLive)).statusCode).toBe(200);
    expect(await outbox("live@example.com")).toEqual([]);
  });
});

describe("one-time codes delivered over SMTP", () => {
  let smtp: SMTPServer;
  const received: string[] = [];

  beforeAll(async () => {
    smtp = new SMTPServer({
      authOptional: true,
      disabledCommands: ["STARTTLS"],
      onData(stream, _session, done) {
        let data = "";
        stream.on("data", (chunk: Buffer) => {
          data += chunk.toString();
        });
        stream.on("end", () => {
          received.push(data);
          done();
        });
      },
    });
    await new Promise<void>((resolve) => smtp.listen(0, "127.0.0.1", resolve));
  });
  afterAll(() => new Promise<void>((resolve) => smtp.close(() => resolve())));

  it("sends a live-mode code by email through a real SMTP listener", async () => {
    const { port } = smtp.server.address() as AddressInfo;
    const server = await createTestServer("sqlite", {
      FANFARE_OTP_DELIVERY: "smtp",
      FANFARE_SMTP_URL: `smtp://127.0.0.1:${port}`,
      FANFARE_SMTP_FROM: "Drops <codes@drops.example>",
    });
    try {
      const { keys } = await createTestOrganization(server, "Sneaker Drops");
      const headers = { "x-publishable-key": keys.publishableLive };
      const body = { email: "shopper@example.com" };
      expect((await call(server.consumer, "POST", "/api/v1/auth/otp/request", { headers, body })).statusCode).toBe(200);
      const deadline = Date.now() + 5000;
      while (received.length === 0 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
      const mail = received[0] ?? "";
      expect(mail).toContain("To: shopper@example.com");
      expect(mail).toContain("Sneaker Drops");
      const code = /(\d{6}) is your/.exec(mail)?.[1] ?? "";
      const verified = await call(server.consumer, "POST", "/api/v1/auth/otp/verify", {
        headers,
        body: { ...body, code },
      });
      expect(verified.statusCode).toBe(200);
      expect(server.logs.text).not.toContain(code);
    } finally {
      await server.close();
    }
  });
});

describe("one-time codes sent to the organization's own webhook", () => {
  it("signs each delivery so the merchant's gateway can verify it, and shows the secret once", async () => {
    const received: { headers: IncomingHttpHeaders; body: string }[] = [];
    const receiver = createServer((req, res) => {
      let body = "";
      req.on("data", (chunk: Buffer) => {
        body += chunk.toString();
      });
      req.on("end", () => {
        received.push({ headers: req.headers, body });
        res.writeHead(204).end();
      });
    });
    await new Promise<void>((resolve) => receiver.listen(0, "127.0.0.1", resolve));
    const server = await createTestServer("sqlite", LOOPBACK_ALLOWED);
    try {
      const { keys } = await createTestOrganization(server, "Gateway Org");
      const { port } = receiver.address() as AddressInfo;
      const patch = await call(server.admin, "PATCH", "/api/v1/organization", {
        key: keys.secretLive,
        body: { otpWebhookUrl: `http://127.0.0.1:${port}/sms` },
      });
      expect(patch.statusCode).toBe(200);
      const secret = patch.json().otpWebhookSecret as string;
      expect(secret).toMatch(/^whsec_[A-Za-z0-9_-]{43}$/);
      const shown = await call(server.admin, "GET", "/api/v1/organization", { key: keys.secretLive });
      expect(shown.json().otpWebhookUrl).toBe(`http://127.0.0.1:${port}/sms`);
      expect(shown.body).not.toContain("whsec_");
      const audit = await call(server.admin, "GET", "/api/v1/audit-log", { key: keys.secretLive });
      expect(audit.body).not.toContain(secret);
      expect(audit.body).not.toContain("otpWebhookSecretSealed");

      const headers = { "x-publishable-key": keys.publishableLive };
      const body = { phone: "+12025550147" };
      expect((await call(server.consumer, "POST", "/api/v1/auth/otp/request", { headers, body })).statusCode).toBe(200);
      const deadline = Date.now() + 5000;
      while (received.length === 0 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
      const delivery = received[0];
      if (!delivery) throw new Error("no delivery");
      const signed = {
        timestamp: String(delivery.headers["x-fanfare-timestamp"]),
        signature: String(delivery.headers["x-fanfare-signature"]),
      };
      expect(verifyWebhook(secret, signed, delivery.body, Math.floor(Date.now() / 1000))).toBe(true);
      expect(verifyWebhook("whsec_wrong", signed, delivery.body, Math.floor(Date.now() / 1000))).toBe(false);
      const message = JSON.parse(delivery.body);
      expect(message).toMatchObject({ type: "otp.requested", to: "+12025550147", channel: "sms" });
      const verified = await call(server.consumer, "POST", "/api/v1/auth/otp/verify", {
        headers,
        body: { ...body, code: message.code },
      });
      expect(verified.statusCode).toBe(200);

      const bad = await call(server.admin, "PATCH", "/api/v1/organization", {
        key: keys.secretLive,
        body: { otpWebhookUrl: "ftp://example.com/x" },
      });
      expect(bad.statusCode).toBe(400);
      expect(bad.json().issues[0].path).toBe("body.otpWebhookUrl");
    } finally {
      await server.close();
      await new Promise<void>((resolve) => receiver.close(() => resolve()));
    }
  });
});

describe("one-time codes sent to the server-wide code webhook", () => {
  it("signs each delivery with FANFARE_OTP_WEBHOOK_SECRET, as the organizations' own webhooks are", async () => {
    const receiver = new WebhookReceiver();
    const url = await receiver.start();
    const secret = "whsec_server-wide-secret-of-at-least-32-chars";
    const server = await createTestServer("sqlite", {
      FANFARE_OTP_DELIVERY: "webhook",
      FANFARE_OTP_WEBHOOK_URL: url,
      FANFARE_OTP_WEBHOOK_SECRET: secret,
      ...LOOPBACK_ALLOWED,
    });
    try {
      const { keys } = await createTestOrganization(server);
      const requested = await call(server.consumer, "POST", "/api/v1/auth/otp/request", {
        headers: { "x-publishable-key": keys.publishableLive },
        body: { email: "signed@example.com" },
      });
      expect(requested.statusCode).toBe(200);
      await server.deps.codes.settled();
      const [delivery] = receiver.received;
      const signed = {
        timestamp: String(delivery?.headers["x-fanfare-timestamp"]),
        signature: String(delivery?.headers["x-fanfare-signature"]),
      };
      expect(JSON.parse(delivery?.body ?? "{}")).toMatchObject({ type: "otp.requested", to: "signed@example.com" });
      expect(verifyWebhook(secret, signed, delivery?.body ?? "", Math.floor(Date.now() / 1000))).toBe(true);
      expect(server.logs.text).not.toContain(secret);
    } finally {
      await server.close();
      await receiver.stop();
    }
  });
});
