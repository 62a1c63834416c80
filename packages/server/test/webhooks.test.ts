import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { loadConfig } from "../src/config.js";
import { createDeps, prepareDatabase } from "../src/deps.js";
import { verifyWebhook } from "../src/lib/webhook-signature.js";
import { createOrganization } from "../src/modules/orgs/service.js";
import { RETRY_DELAYS_MS } from "../src/modules/webhooks/dispatcher.js";
import { createEndpoint, emitEvent } from "../src/modules/webhooks/service.js";
import { ManualClock } from "./clock.js";
import { createTestDatabase, createTestOrganization, createTestServer, dialects, type TestServer } from "./harness.js";
import { call } from "./http.js";
import { LOOPBACK_ALLOWED, WebhookReceiver } from "./webhook-receiver.js";

const CLI = { type: "cli" as const, id: null, ip: null, requestId: null };

describe.each(dialects())("webhook endpoints and deliveries (%s)", (dialect) => {
  let server: TestServer;
  let receiver: WebhookReceiver;
  let url: string;

  beforeAll(async () => {
    server = await createTestServer(dialect, LOOPBACK_ALLOWED);
  });
  afterAll(() => server.close());
  beforeEach(async () => {
    receiver = new WebhookReceiver();
    url = await receiver.start();
  });
  afterEach(() => receiver.stop());

  it("registers endpoints per mode and shows the signing secret once", async () => {
    const { keys } = await createTestOrganization(server);
    const admin = (method: "GET" | "POST" | "DELETE", path: string, body?: unknown, key = keys.secretLive) =>
      call(server.admin, method, `/api/v1${path}`, { key, body });
    const created = await admin("POST", "/webhook-endpoints", { url, events: ["alert.fired", "alert.resolved"] });
    expect(created.statusCode).toBe(201);
    expect(created.json()).toMatchObject({
      id: expect.stringMatching(/^whk_/),
      object: "webhook_endpoint",
      url,
      mode: "live",
      events: ["alert.fired", "alert.resolved"],
      secret: expect.stringMatching(/^whsec_/),
    });
    const { id, secret } = created.json();
    const listed = await admin("GET", "/webhook-endpoints");
    expect(listed.json().data).toHaveLength(1);
    expect(listed.body).not.toContain(secret);
    expect((await admin("GET", `/webhook-endpoints/${id}`)).body).not.toContain(secret);
    expect((await admin("GET", "/webhook-endpoints", undefined, keys.secretTest)).json().data).toEqual([]);
    expect((await admin("GET", `/webhook-endpoints/${id}`, undefined, keys.secretTest)).statusCode).toBe(404);

    for (const body of [
      { url: "not a url", events: ["alert.fired"] },
      { url, events: [] },
      { url, events: ["x"] },
    ]) {
      const response = await admin("POST", "/webhook-endpoints", body);
      expect(response.statusCode, JSON.stringify(body)).toBe(400);
      expect(response.json().error).toBe("validation_error");
    }
    const ftp = await admin("POST", "/webhook-endpoints", { url: "ftp://example.com/x", events: ["alert.fired"] });
    expect(ftp.json().issues[0].path).toBe("body.url");

    const reader = (
      await admin("POST", "/api-keys", { name: "r", type: "secret", permissions: ["read:analytics"] })
    ).json().key;
    expect((await admin("GET", "/webhook-endpoints", undefined, reader)).statusCode).toBe(403);

    const deleted = await admin("DELETE", `/webhook-endpoints/${id}`);
    expect(deleted.json()).toEqual({ id, object: "webhook_endpoint", deleted: true });
    expect((await admin("GET", "/webhook-endpoints")).json().data).toEqual([]);
  });

  it("delivers signed events, retries after a failure, and stops on 410", async () => {
    const { organization, keys } = await createTestOrganization(server);
    const tenant = { organizationId: organization.id, mode: "live" as const };
    const { endpoint, secret } = await createEndpoint(server.deps, tenant, CLI, { url, events: ["alert.fired"] });
    await emitEvent(server.deps, tenant, "alert.resolved", { ignored: true });
    await emitEvent(server.deps, { ...tenant, mode: "test" }, "alert.fired", { otherMode: true });

    receiver.status = 500;
    await emitEvent(server.deps, tenant, "alert.fired", { hello: "world" });
    expect(await server.deps.webhooks.runDue()).toBe(1);
    expect(receiver.received).toHaveLength(1);
    expect(await server.deps.webhooks.runDue()).toBe(0);

    receiver.status = 200;
    server.clock.advance(RETRY_DELAYS_MS[1] as number);
    expect(await server.deps.webhooks.runDue()).toBe(1);
    const [first, second] = receiver.received;
    expect(second?.body).toBe(first?.body);
    const headers = second?.headers ?? {};
    const nowSeconds = Math.floor(server.clock.now() / 1000);
    expect(headers["x-fanfare-timestamp"]).toBe(String(nowSeconds));
    const signed = {
      timestamp: String(headers["x-fanfare-timestamp"]),
      signature: String(headers["x-fanfare-signature"]),
    };
    expect(verifyWebhook(secret, signed, second?.body ?? "", nowSeconds)).toBe(true);
    expect(verifyWebhook(secret, signed, `${second?.body} `, nowSeconds)).toBe(false);
    expect(JSON.parse(second?.body ?? "")).toEqual({
      id: expect.stringMatching(/^evt_/),
      type: "alert.fired",
      timestamp: expect.any(String),
      organizationId: organization.id,
      data: { hello: "world" },
    });

    const deliveries = await call(server.admin, "GET", `/api/v1/webhook-endpoints/${endpoint.id}/deliveries`, {
      key: keys.secretLive,
    });
    expect(deliveries.json().data).toEqual([
      expect.objectContaining({ status: "succeeded", attempts: 2, lastStatusCode: 200, type: "alert.fired" }),
    ]);

    receiver.status = 410;
    await emitEvent(server.deps, tenant, "alert.fired", { gone: true });
    expect(await server.deps.webhooks.runDue()).toBe(1);
    server.clock.advance(RETRY_DELAYS_MS[1] as number);
    expect(await server.deps.webhooks.runDue()).toBe(0);
    const after = await call(server.admin, "GET", `/api/v1/webhook-endpoints/${endpoint.id}/deliveries`, {
      key: keys.secretLive,
    });
    expect(after.json().data[0]).toMatchObject({ status: "failed", attempts: 1, lastStatusCode: 410 });
  });

  it("gives up after 8 attempts spread over about 44 hours", async () => {
    const { organization } = await createTestOrganization(server);
    const tenant = { organizationId: organization.id, mode: "live" as const };
    await createEndpoint(server.deps, tenant, CLI, { url, events: ["alert.fired"] });
    receiver.status = 503;
    await emitEvent(server.deps, tenant, "alert.fired", {});
    const started = server.clock.now();
    for (const delay of RETRY_DELAYS_MS) {
      server.clock.advance(delay);
      expect(await server.deps.webhooks.runDue()).toBe(1);
    }
    expect(receiver.received).toHaveLength(8);
    expect((server.clock.now() - started) / 3_600_000).toBeCloseTo(44.6, 1);
    server.clock.advance(48 * 3_600_000);
    expect(await server.deps.webhooks.runDue()).toBe(0);
  });
});

describe("webhook deliveries across a restart", () => {
  it("retries a delivery that failed before the server stopped, from the new process state", async () => {
    const receiver = new WebhookReceiver();
    const url = await receiver.start();
    const database = await createTestDatabase("sqlite");
    const clock = new ManualClock();
    try {
      const config = loadConfig({ ...database.env, ...LOOPBACK_ALLOWED });
      const before = createDeps(config, { clock });
      await prepareDatabase(before);
      const { organization } = await createOrganization(before, { name: "Restart", plan: "pro" });
      const tenant = { organizationId: organization.id, mode: "live" as const };
      await createEndpoint(before, tenant, CLI, { url, events: ["alert.fired"] });
      receiver.status = 500;
      await emitEvent(before, tenant, "alert.fired", { n: 1 });
      expect(await before.webhooks.runDue()).toBe(1);
      await before.close();

      receiver.status = 200;
      const after = createDeps(config, { clock });
      await prepareDatabase(after);
      clock.advance(RETRY_DELAYS_MS[1] as number);
      expect(await after.webhooks.runDue()).toBe(1);
      expect(receiver.received.map((r) => JSON.parse(r.body).data)).toEqual([{ n: 1 }, { n: 1 }]);
      await after.close();
    } finally {
      await receiver.stop();
      await database.drop();
    }
  });
});
