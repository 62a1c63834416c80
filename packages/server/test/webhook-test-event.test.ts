import type { LightMyRequestResponse } from "fastify";
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { verifyWebhook } from "../src/lib/webhook-signature.js";
import { CLI_ACTOR } from "../src/modules/audit/service.js";
import { addOwner } from "../src/modules/members/service.js";
import type { BootstrapKeys } from "../src/modules/orgs/service.js";
import { RETRY_DELAYS_MS } from "../src/modules/webhooks/dispatcher.js";
import { emitEvent } from "../src/modules/webhooks/service.js";
import { asMember, signInMember } from "./dashboard-member.js";
import { createTestOrganization, createTestServer, dialects, type TestServer } from "./harness.js";
import { type CallOptions, call } from "./http.js";
import { LOOPBACK_ALLOWED, type Received, WebhookReceiver } from "./webhook-receiver.js";

describe.each(dialects())("POST /api/v1/webhook-endpoints/:id/test (%s)", (dialect) => {
  let server: TestServer;
  /** Receives the sign-in codes of dashboard members. */
  let codes: WebhookReceiver;
  /** Stands in for the merchant's webhook endpoint. */
  let receiver: WebhookReceiver;
  let url: string;
  let organizationId: string;
  let keys: BootstrapKeys;
  let sequence = 0;

  beforeAll(async () => {
    codes = new WebhookReceiver();
    server = await createTestServer(dialect, {
      FANFARE_OTP_DELIVERY: "webhook",
      FANFARE_OTP_WEBHOOK_URL: await codes.start(),
      ...LOOPBACK_ALLOWED,
    });
  });
  afterAll(async () => {
    await server.close();
    await codes.stop();
  });
  beforeEach(async () => {
    receiver = new WebhookReceiver();
    url = await receiver.start();
    ({
      organization: { id: organizationId },
      keys,
    } = await createTestOrganization(server));
  });
  afterEach(() => receiver.stop());

  const admin = (method: "GET" | "POST" | "DELETE", path: string, options: CallOptions = { key: keys.secretLive }) =>
    call(server.admin, method, `/api/v1${path}`, options);

  /** Registers an endpoint at the receiver, subscribed to `events` only; returns its id and secret. */
  async function endpoint(events: string[] = ["alert.resolved"]): Promise<{ id: string; secret: string }> {
    const created = await admin("POST", "/webhook-endpoints", { key: keys.secretLive, body: { url, events } });
    expect(created.statusCode).toBe(201);
    return created.json();
  }

  const deliveries = async (endpointId: string) =>
    (await admin("GET", `/webhook-endpoints/${endpointId}/deliveries`)).json().data;

  /** A request the receiver got is genuine: the documented headers, a fresh timestamp and a valid signature. */
  function expectSigned(request: Received | undefined, secret: string): void {
    const nowSeconds = Math.floor(server.clock.now() / 1000);
    const headers = request?.headers ?? {};
    const body = request?.body ?? "";
    expect(headers["content-type"]).toBe("application/json");
    expect(headers["user-agent"]).toBe("Fanfare-Webhooks/1");
    expect(headers["x-fanfare-event-id"]).toBe(JSON.parse(body).id);
    expect(headers["x-fanfare-timestamp"]).toBe(String(nowSeconds));
    const signed = {
      timestamp: String(headers["x-fanfare-timestamp"]),
      signature: String(headers["x-fanfare-signature"]),
    };
    expect(signed.signature).toMatch(/^sha256=[0-9a-f]{64}$/);
    expect(verifyWebhook(secret, signed, body, nowSeconds)).toBe(true);
  }

  it("sends a signed webhook.test event to that endpoint only, though it did not subscribe to it", async () => {
    const chosen = await endpoint(["alert.resolved"]);
    const other = await endpoint(["alert.fired", "alert.resolved"]);

    const sent = await admin("POST", `/webhook-endpoints/${chosen.id}/test`);
    expect(sent.statusCode).toBe(202);
    const delivery = sent.json();
    expect(delivery).toEqual({
      id: expect.stringMatching(/^whd_/),
      eventId: expect.stringMatching(/^evt_/),
      type: "webhook.test",
      status: "pending",
      attempts: 0,
      nextAttemptAt: new Date(server.clock.now()).toISOString(),
      lastStatusCode: null,
      lastError: null,
      createdAt: new Date(server.clock.now()).toISOString(),
    });

    expect(await server.deps.webhooks.runDue()).toBe(1);
    expect(receiver.received).toHaveLength(1);
    const [request] = receiver.received;
    expectSigned(request, chosen.secret);
    expect(request?.headers["x-fanfare-event-id"]).toBe(delivery.eventId);
    expect(JSON.parse(request?.body ?? "")).toEqual({
      id: delivery.eventId,
      type: "webhook.test",
      timestamp: delivery.createdAt,
      organizationId,
      data: { message: "This is a test event from Fanfare", endpointId: chosen.id },
    });

    expect(await deliveries(chosen.id)).toEqual([
      { ...delivery, status: "succeeded", attempts: 1, nextAttemptAt: null, lastStatusCode: 200 },
    ]);
    expect(await deliveries(other.id)).toEqual([]);
    // Subscriptions are unchanged: an alert event still goes only to the endpoints that chose it.
    await emitEvent(server.deps, { organizationId, mode: "live" }, "alert.fired", {});
    expect(await server.deps.webhooks.runDue()).toBe(1);
    expect(await deliveries(chosen.id)).toHaveLength(1);
    expect(await deliveries(other.id)).toEqual([expect.objectContaining({ type: "alert.fired" })]);
  });

  it("retries a failed test delivery like any other, with the same event and body", async () => {
    const { id, secret } = await endpoint();
    receiver.status = 500;
    const delivery = (await admin("POST", `/webhook-endpoints/${id}/test`)).json();
    expect(await server.deps.webhooks.runDue()).toBe(1);
    server.clock.advance(RETRY_DELAYS_MS[1] as number);
    expect(await deliveries(id)).toEqual([
      expect.objectContaining({
        id: delivery.id,
        status: "pending",
        attempts: 1,
        nextAttemptAt: new Date(server.clock.now()).toISOString(),
        lastStatusCode: 500,
        lastError: "http_status",
      }),
    ]);

    receiver.status = 200;
    expect(await server.deps.webhooks.runDue()).toBe(1);
    const [first, second] = receiver.received;
    expectSigned(second, secret);
    expect(second?.body).toBe(first?.body);
    expect(second?.headers["x-fanfare-event-id"]).toBe(first?.headers["x-fanfare-event-id"]);
    expect(await deliveries(id)).toEqual([
      expect.objectContaining({ id: delivery.id, status: "succeeded", attempts: 2, lastStatusCode: 200 }),
    ]);
  });

  it("answers 404 not_found for an unknown, deleted, other-mode or other-organization endpoint", async () => {
    const { id } = await endpoint();
    const other = await createTestOrganization(server, "Other Org");
    const deleted = await endpoint();
    expect((await admin("DELETE", `/webhook-endpoints/${deleted.id}`)).statusCode).toBe(200);

    for (const [name, path, key] of [
      ["unknown", "/webhook-endpoints/whk_unknown/test", keys.secretLive],
      ["deleted", `/webhook-endpoints/${deleted.id}/test`, keys.secretLive],
      ["other mode", `/webhook-endpoints/${id}/test`, keys.secretTest],
      ["other organization", `/webhook-endpoints/${id}/test`, other.keys.secretLive],
    ] as const) {
      const response = await admin("POST", path, { key });
      expect(response.statusCode, name).toBe(404);
      expect(response.json(), name).toMatchObject({ error: "not_found" });
    }
    expect(await server.deps.webhooks.runDue()).toBe(0);
    expect(await deliveries(id)).toEqual([]);
  });

  it("refuses the credentials the other webhook-endpoint routes refuse", async () => {
    const { id } = await endpoint();
    const reader = (
      await admin("POST", "/api-keys", {
        key: keys.secretLive,
        body: { name: "reader", type: "secret", permissions: ["read:analytics"] },
      })
    ).json().key;
    const secretRequired = { error: "Secret key required" };
    const refused: [string, CallOptions, number, unknown][] = [
      ["no credential", {}, 401, { error: "Authentication required" }],
      ["publishable key", { headers: { "x-publishable-key": keys.publishableLive } }, 401, secretRequired],
      ["publishable key as bearer", { key: keys.publishableLive }, 401, secretRequired],
      [
        "secret key without admin",
        { key: reader },
        403,
        { error: "Permission denied", message: "This key lacks the admin permission" },
      ],
    ];
    const answer = (response: LightMyRequestResponse) => ({ status: response.statusCode, body: response.json() });
    for (const [name, options, status, body] of refused) {
      const test = await admin("POST", `/webhook-endpoints/${id}/test`, options);
      const create = await admin("POST", "/webhook-endpoints", { ...options, body: { url, events: ["alert.fired"] } });
      expect(answer(test), name).toEqual({ status, body });
      expect(answer(create), name).toEqual(answer(test));
    }
    expect(await server.deps.webhooks.runDue()).toBe(0);
    expect(await deliveries(id)).toEqual([]);
  });

  it("lets a dashboard owner send one with the session cookie and CSRF token, in the session's mode", async () => {
    const { id, secret } = await endpoint();
    sequence++;
    const email = `owner${sequence}@example.com`;
    await addOwner(server.deps, organizationId, email, CLI_ACTOR);
    const owner = await signInMember(server.admin, codes, email);

    const withoutCsrf = await admin("POST", `/webhook-endpoints/${id}/test`, { headers: { cookie: owner.cookie } });
    expect(withoutCsrf.statusCode).toBe(403);
    expect(withoutCsrf.json().error).toBe("csrf_token_invalid");
    const inTestMode = await admin("POST", `/webhook-endpoints/${id}/test`, { headers: asMember(owner, "test") });
    expect(inTestMode.statusCode).toBe(404);

    const sent = await admin("POST", `/webhook-endpoints/${id}/test`, { headers: asMember(owner) });
    expect(sent.statusCode).toBe(202);
    expect(await server.deps.webhooks.runDue()).toBe(1);
    expectSigned(receiver.received[0], secret);
    expect(await deliveries(id)).toEqual([
      expect.objectContaining({ eventId: sent.json().eventId, type: "webhook.test", status: "succeeded" }),
    ]);
  });
});
