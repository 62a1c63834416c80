import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { verifyWebhook } from "../src/lib/webhook-signature.js";
import { evaluateAlerts } from "../src/modules/alerts/service.js";
import { type BootstrapKeys, createOrganization, setPlan } from "../src/modules/orgs/service.js";
import { createTestServer, dialects, type TestServer } from "./harness.js";
import { call } from "./http.js";
import { LOOPBACK_ALLOWED, WebhookReceiver } from "./webhook-receiver.js";

const MINUTE = 60_000;
const DAY = 24 * 60 * MINUTE;

describe.each(dialects())("alerts (%s)", (dialect) => {
  let server: TestServer;
  let keys: BootstrapKeys;
  let organizationId: string;

  beforeAll(async () => {
    server = await createTestServer(dialect, LOOPBACK_ALLOWED);
  });
  afterAll(() => server.close());
  beforeEach(async () => {
    server.clock.set(Math.ceil(server.clock.now() / DAY) * DAY + 10 * DAY);
    const created = await createOrganization(server.deps, { name: "Alerting", plan: "free" });
    keys = created.keys;
    organizationId = created.organization.id;
  });

  const admin = (method: "GET" | "POST" | "PATCH" | "PUT", path: string, body?: unknown, key = keys.secretLive) =>
    call(server.admin, method, `/api/v1${path}`, { key, body });
  /** Flushes this process's counters and evaluates, as the server's minute timer does. */
  async function evaluate() {
    await server.deps.usage.flush();
    await evaluateAlerts(server.deps);
  }
  async function openAlerts(key = keys.secretLive) {
    const response = await admin("GET", "/alerts?status=open", undefined, key);
    return response.json().data as { id: string; type: string; keyId: string; details: Record<string, unknown> }[];
  }
  const traffic = async (count: number, path = "/experiences") => {
    for (let i = 0; i < count; i++) await admin("GET", path);
  };

  it("warns when a key nears its rate limit, once, and clears when traffic falls", async () => {
    await traffic(80);
    server.clock.advance(MINUTE);
    await evaluate();
    const [alert, ...others] = await openAlerts();
    expect(others).toEqual([]);
    expect(alert).toMatchObject({
      type: "rate_limit_approaching",
      details: { requests: 80, limit: 100, threshold: 0.8 },
    });

    await evaluate();
    expect(await openAlerts()).toHaveLength(1);
    server.clock.advance(MINUTE);
    await evaluate();
    expect(await openAlerts()).toEqual([]);
    const resolved = (await admin("GET", "/alerts?status=resolved")).json().data;
    expect(resolved).toEqual([expect.objectContaining({ id: alert?.id, status: "resolved" })]);
  });

  it("spots unusual activity against the hour before, and a high error rate", async () => {
    await setPlan(server.deps, organizationId, "pro");
    await admin("PUT", "/alert-rules", { rateLimitApproaching: { enabled: false } });
    for (let i = 0; i < 12; i++) {
      await traffic(1);
      server.clock.advance(5 * MINUTE);
    }
    await evaluate();
    expect(await openAlerts()).toEqual([]);

    // 130 requests in one minute, 30 of them for something that does not exist.
    await traffic(100);
    await traffic(30, "/experiences/exp_01J0000000000000000000000");
    server.clock.advance(MINUTE);
    await evaluate();
    const fired = await openAlerts();
    expect(fired.map((alert) => alert.type).sort()).toEqual(["error_rate", "unusual_activity"]);
    // 131: the alert listing just before the burst falls in the same five minutes.
    expect(fired.find((alert) => alert.type === "error_rate")?.details).toMatchObject({ requests: 131, failed: 30 });

    server.clock.advance(5 * MINUTE);
    await evaluate();
    expect(await openAlerts()).toEqual([]);
  });

  it("flags keys unused for 30 days and live secret keys due for rotation, until dealt with", async () => {
    await admin("PUT", "/alert-rules", { unusualActivity: { enabled: false } });
    server.clock.advance(31 * DAY);
    await traffic(1);
    await evaluate();
    // Alerts live in the mode of their key: the live publishable key here, both test keys there.
    const unused = await openAlerts();
    const list = (await admin("GET", "/api-keys")).json().data as { id: string; name: string; mode: string }[];
    const publishable = list.find((key) => key.name === "Default publishable key");
    expect(unused.map((alert) => [alert.type, alert.keyId])).toEqual([["unused_key", publishable?.id]]);
    expect((await openAlerts(keys.secretTest)).map((alert) => alert.type)).toEqual(["unused_key", "unused_key"]);

    await call(server.consumer, "GET", "/api/v1/organizations/current", {
      headers: { "x-publishable-key": keys.publishableLive },
    });
    await evaluate();
    expect((await openAlerts()).map((alert) => alert.keyId)).not.toContain(publishable?.id);

    server.clock.advance(60 * DAY);
    await traffic(1);
    await call(server.consumer, "GET", "/api/v1/organizations/current", {
      headers: { "x-publishable-key": keys.publishableLive },
    });
    await evaluate();
    const rotation = (await openAlerts()).filter((alert) => alert.type === "rotation_due");
    const secret = list.find((key) => key.name === "Default secret key" && key.mode === "live");
    expect(rotation.map((alert) => alert.keyId)).toEqual([secret?.id]);

    const regenerated = await admin("POST", `/api-keys/${secret?.id}/regenerate`, {});
    keys.secretLive = regenerated.json().key;
    await evaluate();
    expect((await openAlerts()).filter((alert) => alert.type === "rotation_due")).toEqual([]);
  });

  it("acknowledges alerts, edits rules, and sends each firing to the organization's webhook", async () => {
    const receiver = new WebhookReceiver();
    const url = await receiver.start();
    try {
      const endpoint = await admin("POST", "/webhook-endpoints", { url, events: ["alert.fired", "alert.resolved"] });
      const { secret } = endpoint.json();
      const rules = await admin("PUT", "/alert-rules", { rateLimitApproaching: { threshold: 0.5 } });
      expect(rules.json().rateLimitApproaching).toEqual({ enabled: true, threshold: 0.5 });
      expect(rules.json().errorRate).toEqual({ enabled: true, threshold: 0.1, minRequests: 100 });
      expect((await admin("GET", "/alert-rules")).json().rateLimitApproaching.threshold).toBe(0.5);
      for (const body of [{}, { rateLimitApproaching: { threshold: 2 } }, { nonsense: {} }]) {
        expect((await admin("PUT", "/alert-rules", body)).statusCode, JSON.stringify(body)).toBe(400);
      }

      await traffic(50);
      server.clock.advance(MINUTE);
      await evaluate();
      const [alert] = await openAlerts();
      const acknowledged = await admin("PATCH", `/alerts/${alert?.id}`, { acknowledged: true });
      expect(acknowledged.json()).toMatchObject({ id: alert?.id, status: "open", acknowledgedAt: expect.any(String) });
      expect((await admin("PATCH", "/alerts/alrt_01J0000000000000000000000", { acknowledged: true })).statusCode).toBe(
        404,
      );

      server.clock.advance(MINUTE);
      await evaluate();
      await server.deps.webhooks.runDue();
      // Deliveries run concurrently, so they may arrive in either order (as with Stripe): sort by type.
      const events = receiver.received.map((r) => JSON.parse(r.body)).sort((a, b) => a.type.localeCompare(b.type));
      expect(events.map((event) => event.type)).toEqual(["alert.fired", "alert.resolved"]);
      expect(events[0].data).toMatchObject({ id: alert?.id, type: "rate_limit_approaching", status: "open" });
      expect(events[1].data).toMatchObject({ id: alert?.id, status: "resolved" });
      const first = receiver.received.find((r) => r.body.includes('"alert.fired"'));
      const headers = {
        timestamp: String(first?.headers["x-fanfare-timestamp"]),
        signature: String(first?.headers["x-fanfare-signature"]),
      };
      expect(verifyWebhook(secret, headers, first?.body ?? "", Math.floor(server.clock.now() / 1000))).toBe(true);

      const testKey = keys.secretTest;
      expect(await openAlerts(testKey)).toEqual([]);
    } finally {
      await receiver.stop();
    }
  });
});
