import type { AddressInfo } from "node:net";
import { SMTPServer } from "smtp-server";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { evaluateAlerts } from "../src/modules/alerts/service.js";
import type { BootstrapKeys } from "../src/modules/orgs/service.js";
import { createTestOrganization, createTestServer, dialects, type TestServer } from "./harness.js";
import { call } from "./http.js";
import { LOOPBACK_ALLOWED, WebhookReceiver } from "./webhook-receiver.js";

/** An SMTP listener whose next replies to RCPT TO can be scripted: 451 (try later), 550 (refused), or accept. */
class ScriptedSmtp {
  readonly replies: (451 | 550)[] = [];
  readonly delivered: string[] = [];
  attempts = 0;
  private readonly server = new SMTPServer({
    authOptional: true,
    disabledCommands: ["STARTTLS"],
    onRcptTo: (_address, _session, done) => {
      this.attempts++;
      const reply = this.replies.shift();
      if (!reply) return done();
      done(
        Object.assign(new Error(reply === 451 ? "try again later" : "mailbox unavailable"), { responseCode: reply }),
      );
    },
    onData: (stream, _session, done) => {
      let data = "";
      stream.on("data", (chunk: Buffer) => {
        data += chunk.toString();
      });
      stream.on("end", () => {
        this.delivered.push(data);
        done();
      });
    },
  });

  async start(): Promise<string> {
    await new Promise<void>((resolve) => this.server.listen(0, "127.0.0.1", resolve));
    return `smtp://127.0.0.1:${(this.server.server.address() as AddressInfo).port}`;
  }

  stop(): Promise<void> {
    return new Promise((resolve) => this.server.close(() => resolve()));
  }
}

describe.each(dialects())("one-time code delivery that can fail visibly (%s)", (dialect) => {
  const smtp = new ScriptedSmtp();
  let smtpUrl = "";
  let server: TestServer;
  let keys: BootstrapKeys;

  beforeAll(async () => {
    smtpUrl = await smtp.start();
  });
  afterAll(() => smtp.stop());
  afterEach(() => server.close());

  const start = async (env: Record<string, string> = {}) => {
    server = await createTestServer(dialect, {
      FANFARE_OTP_DELIVERY: "smtp",
      FANFARE_SMTP_URL: smtpUrl,
      FANFARE_CODE_DELIVERY_RETRIES_MS: "5,5",
      ...LOOPBACK_ALLOWED,
      ...env,
    });
    ({ keys } = await createTestOrganization(server, "Sneaker Drops"));
  };
  const requestCode = async (email: string) => {
    const response = await call(server.consumer, "POST", "/api/v1/auth/otp/request", {
      headers: { "x-publishable-key": keys.publishableLive },
      body: { email },
    });
    await server.deps.codes.settled();
    return response;
  };
  const readiness = async () => (await server.admin.inject({ method: "GET", url: "/readyz" })).json();
  const codeDeliveries = async () =>
    (await call(server.admin, "GET", "/api/v1/usage", { key: keys.secretLive })).json().codeDeliveries;
  const openAlerts = async () =>
    (await call(server.admin, "GET", "/api/v1/alerts?status=open", { key: keys.secretLive })).json().data;

  it("retries a transient failure with backoff and delivers; the shopper's answer is the same", async () => {
    await start();
    smtp.replies.push(451, 451);
    const attemptsBefore = smtp.attempts;
    const response = await requestCode("retry@example.com");
    expect(response.statusCode).toBe(200);
    expect(response.json()).toEqual({ ok: true });
    expect(smtp.attempts - attemptsBefore).toBe(3);
    expect(smtp.delivered.at(-1)).toContain("To: retry@example.com");
    expect(server.logs.entries().filter((line) => line.msg === "code delivery failed: retrying")).toHaveLength(2);
    expect(await codeDeliveries()).toMatchObject({ delivered: 1, failed: 0, lastFailedAt: null });
    expect((await readiness()).checks.codeDelivery).toBe("ok");
  });

  it("gives a refused code up at once, counts it, reports degraded, alerts the merchant, and recovers", async () => {
    await start();
    const receiver = new WebhookReceiver();
    const url = await receiver.start();
    try {
      const endpoint = await call(server.admin, "POST", "/api/v1/webhook-endpoints", {
        key: keys.secretLive,
        body: { url, events: ["alert.fired", "alert.resolved"] },
      });
      expect(endpoint.statusCode).toBe(201);

      const attemptsBefore = smtp.attempts;
      smtp.replies.push(550, 451, 451, 451);
      const refused = await requestCode("refused@example.com");
      expect(refused.json()).toEqual({ ok: true });
      expect(smtp.attempts - attemptsBefore).toBe(1);
      // A transient failure that outlasts its retries is given up too.
      await requestCode("down@example.com");
      expect(smtp.attempts - attemptsBefore).toBe(4);
      expect(
        server.logs.entries().filter((line) => line.msg === "code delivery failed: the code is given up"),
      ).toHaveLength(2);
      expect(server.logs.text).not.toContain("refused@example.com");

      const ready = await server.admin.inject({ method: "GET", url: "/readyz" });
      expect(ready.statusCode).toBe(200);
      expect(ready.json()).toMatchObject({ status: "ready", checks: { codeDelivery: "degraded" } });
      expect(await codeDeliveries()).toMatchObject({ delivered: 0, failed: 2, lastFailedAt: expect.any(String) });

      // Two failures are under the rule's default of three: no alert yet.
      await evaluateAlerts(server.deps);
      expect(await openAlerts()).toEqual([]);
      smtp.replies.push(550);
      await requestCode("third@example.com");
      await evaluateAlerts(server.deps);
      const [alert] = await openAlerts();
      expect(alert).toMatchObject({ type: "code_delivery_failing", keyId: null, mode: "live", status: "open" });
      expect(alert.details).toMatchObject({ failed: 3, delivered: 0 });

      // A code that gets through clears both the readiness report and, at the next evaluation, the alert.
      server.clock.advance(60_000);
      await requestCode("back@example.com");
      expect((await readiness()).checks.codeDelivery).toBe("ok");
      await evaluateAlerts(server.deps);
      expect(await openAlerts()).toEqual([]);
      await server.deps.webhooks.runDue();
      const events = receiver.received.map((r) => JSON.parse(r.body)).sort((a, b) => a.type.localeCompare(b.type));
      expect(events.map((event) => [event.type, event.data.type])).toEqual([
        ["alert.fired", "code_delivery_failing"],
        ["alert.resolved", "code_delivery_failing"],
      ]);
      expect(await codeDeliveries()).toMatchObject({ delivered: 1, failed: 3 });
      const metrics = (await server.admin.inject({ method: "GET", url: "/metrics" })).body;
      expect(metrics).toContain('fanfare_code_deliveries_total{channel="email",outcome="failed"} 3');
      expect(metrics).toContain('fanfare_code_deliveries_total{channel="email",outcome="delivered"} 1');
    } finally {
      await receiver.stop();
    }
  });

  it("counts codes nobody can send (no provider) and test mode's outbox not at all", async () => {
    await start({ FANFARE_OTP_DELIVERY: "none" });
    expect((await requestCode("nobody@example.com")).json()).toEqual({ ok: true });
    expect(await codeDeliveries()).toMatchObject({ delivered: 0, failed: 1 });
    expect((await readiness()).checks.codeDelivery).toBe("degraded");
    const inTestMode = await call(server.consumer, "POST", "/api/v1/auth/otp/request", {
      headers: { "x-publishable-key": keys.publishableTest },
      body: { email: "tester@example.com" },
    });
    expect(inTestMode.statusCode).toBe(200);
    await server.deps.codes.settled();
    const testUsage = await call(server.admin, "GET", "/api/v1/usage", { key: keys.secretTest });
    expect(testUsage.json().codeDeliveries).toEqual({
      delivered: 0,
      failed: 0,
      lastDeliveredAt: null,
      lastFailedAt: null,
    });
  });
});
