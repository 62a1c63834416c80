import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { evaluateAlerts } from "../src/modules/alerts/service.js";
import { CLI_ACTOR } from "../src/modules/audit/service.js";
import { addOwner } from "../src/modules/members/service.js";
import type { BootstrapKeys } from "../src/modules/orgs/service.js";
import { asMember, type MemberSession, signInMember } from "./dashboard-member.js";
import { createTestOrganization, createTestQueue, createTestServer, dialects, type TestServer } from "./harness.js";
import { call } from "./http.js";
import { refuseAuditRows } from "./refuse-audit-rows.js";
import { LOOPBACK_ALLOWED, WebhookReceiver } from "./webhook-receiver.js";

interface AuditRow {
  action: string;
  actor: { type: string; id: string | null; keyValue: string | null };
  target: { type: string; id: string };
  requestId: string | null;
  before: unknown;
  after: unknown;
}

const MOVES = ["queue.admitted_next", "queue.consumer_admitted", "queue.admission_completed", "queue.consumer_denied"];

/** A merchant server's moves through the consumer API are audited like the control room's. */
describe.each(dialects())("merchant moves are audited (%s)", (dialect) => {
  let server: TestServer;
  let keys: BootstrapKeys;
  let keyId: string;
  let queueId: string;
  let shopperCount = 0;

  beforeAll(async () => {
    server = await createTestServer(dialect);
  });
  afterAll(() => server.close());
  beforeEach(async () => {
    ({ keys } = await createTestOrganization(server));
    const listed = await call(server.admin, "GET", "/api/v1/api-keys?type=secret", { key: keys.secretLive });
    keyId = listed.json().data[0].id;
    queueId = await createTestQueue(server, keys.secretLive);
  });

  /** Shoppers in the line, in arrival order; each from its own address (the guest limit is per IP). */
  async function shoppers(count: number): Promise<{ consumerId: string; token: string }[]> {
    const entered = [];
    for (let i = 0; i < count; i++) {
      shopperCount++;
      const publishable = { "x-publishable-key": keys.publishableLive };
      const remoteAddress = `10.7.${shopperCount >> 8}.${shopperCount & 255}`;
      const guest = (
        await call(server.consumer, "POST", "/api/v1/auth/guest", { headers: publishable, remoteAddress })
      ).json();
      const enter = await call(server.consumer, "POST", `/api/v1/queues/${queueId}/enter`, {
        key: guest.accessToken,
        headers: publishable,
      });
      expect(enter.statusCode).toBe(201);
      entered.push({ consumerId: guest.session.consumerId as string, token: guest.accessToken as string });
    }
    return entered;
  }

  const move = (path: "admit" | "complete" | "deny", body: unknown) =>
    call(server.consumer, "POST", `/api/v1/queues/${queueId}/${path}`, { key: keys.secretLive, body });

  const auditLog = async (action?: string): Promise<AuditRow[]> => {
    const query = action ? `&action=${action}` : "";
    const response = await call(server.admin, "GET", `/api/v1/audit-log?first=100${query}`, { key: keys.secretLive });
    expect(response.statusCode).toBe(200);
    return response.json().data;
  };

  const statusOf = async (shopper: { token: string }) =>
    (
      await call(server.consumer, "GET", `/api/v1/queues/${queueId}/status`, {
        key: shopper.token,
        headers: { "x-publishable-key": keys.publishableLive },
      })
    ).json().status;

  it("writes one row for a batch admission: the key, the queue, the count asked for and who was admitted", async () => {
    const line = await shoppers(3);
    const admitted = await move("admit", { count: 2 });
    expect(admitted.statusCode).toBe(200);
    expect(admitted.json().data).toHaveLength(2);

    const rows = await auditLog("queue.admitted_next");
    expect(rows).toEqual([
      expect.objectContaining({
        action: "queue.admitted_next",
        actor: { type: "api_key", id: keyId, keyValue: "current" },
        target: { type: "queue", id: queueId },
        requestId: admitted.headers["x-request-id"],
        after: { requested: 2, admitted: [line[0]?.consumerId, line[1]?.consumerId] },
      }),
    ]);

    // Asking for more than are waiting admits the rest; a line with nobody left changes nothing, so no row.
    expect((await move("admit", { count: 5 })).json().data).toHaveLength(1);
    expect((await move("admit", { count: 5 })).json()).toEqual({ data: [] });
    const after = (await auditLog("queue.admitted_next")).map((row) => row.after);
    expect(after).toEqual([{ requested: 5, admitted: [line[2]?.consumerId] }, rows[0]?.after]);
  });

  it("writes a row for admitting one, completing and denying, and none for a retry that changes nothing", async () => {
    const [buyer, fraud] = await shoppers(2);
    if (!buyer || !fraud) throw new Error("two shoppers entered");
    expect((await move("admit", { consumerId: buyer.consumerId })).json().status).toBe("ADMITTED");
    expect((await move("admit", { consumerId: buyer.consumerId })).statusCode).toBe(200);
    expect((await move("complete", { consumerId: buyer.consumerId })).json().status).toBe("COMPLETED");
    expect((await move("complete", { consumerId: buyer.consumerId })).statusCode).toBe(200);
    const denied = await move("deny", { consumerId: fraud.consumerId, reason: "FRAUD_DETECTED" });
    expect(denied.json().status).toBe("DENIED");
    expect((await move("deny", { consumerId: fraud.consumerId, reason: "FRAUD_DETECTED" })).statusCode).toBe(200);
    // A move that does not apply is refused and changes nothing: no row either.
    expect((await move("complete", { consumerId: fraud.consumerId })).statusCode).toBe(409);

    const rows = (await auditLog()).filter((row) => MOVES.includes(row.action));
    const byKey = {
      actor: { type: "api_key", id: keyId, keyValue: "current" },
      target: { type: "queue", id: queueId },
    };
    expect(rows).toEqual([
      expect.objectContaining({
        ...byKey,
        action: "queue.consumer_denied",
        requestId: denied.headers["x-request-id"],
        after: { consumerId: fraud.consumerId, reason: "FRAUD_DETECTED" },
      }),
      expect.objectContaining({
        ...byKey,
        action: "queue.admission_completed",
        after: { consumerId: buyer.consumerId },
      }),
      expect.objectContaining({ ...byKey, action: "queue.consumer_admitted", after: { consumerId: buyer.consumerId } }),
    ]);
  });

  it("leaves the line as it was when the audit row cannot be written", async () => {
    const [admitted, waiting, next] = await shoppers(3);
    if (!admitted || !waiting || !next) throw new Error("three shoppers entered");
    expect((await move("admit", { consumerId: admitted.consumerId })).statusCode).toBe(200);
    const logged = (await auditLog()).length;

    const allow = await refuseAuditRows(server, MOVES);
    try {
      expect((await move("admit", { count: 2 })).statusCode).toBe(500);
      expect((await move("admit", { consumerId: waiting.consumerId })).statusCode).toBe(500);
      expect((await move("complete", { consumerId: admitted.consumerId })).statusCode).toBe(500);
      expect((await move("deny", { consumerId: next.consumerId, reason: "ADMIN_ACTION" })).statusCode).toBe(500);
    } finally {
      await allow();
    }

    expect(await statusOf(admitted)).toBe("ADMITTED");
    expect(await statusOf(waiting)).toBe("QUEUED");
    expect(await statusOf(next)).toBe("QUEUED");
    const view = await call(server.admin, "GET", `/api/v1/queues/${queueId}/live`, { key: keys.secretLive });
    expect(view.json().counts).toMatchObject({ waiting: 2, admitted: 1, completed: 0, denied: 0 });
    expect(await auditLog()).toHaveLength(logged);
    // Once rows can be written, the next batch starts where the line really is.
    const batch = await move("admit", { count: 2 });
    expect(batch.json().data.map((state: { consumerId: string }) => state.consumerId)).toEqual([
      waiting.consumerId,
      next.consumerId,
    ]);
  });
});

const DAY = 86_400_000;
const OTHER_CHANGES = [
  "alert.acknowledged",
  "webhook_endpoint.test_sent",
  "consumer.exchange_code_issued",
  "member.session_revoked",
  "member.signed_out",
];

/** The other changes a key or a member could make without a trace: each now writes its row, in its transaction. */
describe.each(dialects())("other changes by a key or a member are audited (%s)", (dialect) => {
  let server: TestServer;
  let keys: BootstrapKeys;
  let organizationId: string;
  let keyId: string;
  /** Receives members' sign-in codes, and stands in for the merchant's webhook endpoint. */
  const receiver = new WebhookReceiver();
  let receiverUrl: string;
  let memberCount = 0;

  beforeAll(async () => {
    receiverUrl = await receiver.start();
    server = await createTestServer(dialect, {
      FANFARE_OTP_DELIVERY: "webhook",
      FANFARE_OTP_WEBHOOK_URL: receiverUrl,
      ...LOOPBACK_ALLOWED,
    });
  });
  afterAll(async () => {
    await server.close();
    await receiver.stop();
  });
  beforeEach(async () => {
    const created = await createTestOrganization(server);
    keys = created.keys;
    organizationId = created.organization.id;
    const listed = await call(server.admin, "GET", "/api/v1/api-keys?type=secret", { key: keys.secretLive });
    keyId = listed.json().data[0].id;
  });

  const admin = (method: "GET" | "POST" | "PATCH", path: string, body?: unknown) =>
    call(server.admin, method, `/api/v1${path}`, { key: keys.secretLive, body });
  const auditLog = async (): Promise<AuditRow[]> =>
    (await admin("GET", "/audit-log?first=100"))
      .json()
      .data.filter((row: AuditRow) => OTHER_CHANGES.includes(row.action));

  /** An open alert: the live publishable key, unused for a month. */
  async function openAlert(): Promise<string> {
    server.clock.advance(31 * DAY);
    await admin("GET", "/experiences");
    await server.deps.usage.flush();
    await evaluateAlerts(server.deps);
    const alerts = (await admin("GET", "/alerts?status=open")).json().data as { id: string }[];
    const [alert] = alerts;
    if (!alert) throw new Error("an alert fired");
    return alert.id;
  }

  async function webhookEndpoint(): Promise<string> {
    const created = await admin("POST", "/webhook-endpoints", { url: receiverUrl, events: ["alert.fired"] });
    expect(created.statusCode).toBe(201);
    return created.json().id;
  }

  const authorize = (subject: string) =>
    call(server.consumer, "POST", "/api/v1/auth/external/authorize", {
      key: keys.secretLive,
      body: { provider: "shopify", issuer: "shop.example.com", subject, claims: { email: "shopper@example.com" } },
    });

  /** An owner signed in from two browsers. */
  async function ownerInTwoBrowsers(): Promise<[MemberSession, MemberSession]> {
    memberCount++;
    const email = `owner-${memberCount}-${organizationId.toLowerCase()}@example.com`;
    await addOwner(server.deps, organizationId, email, CLI_ACTOR);
    const first = await signInMember(server.admin, receiver, email);
    // One sign-in code per email and address a minute, over a sliding window.
    server.clock.advance(120_000);
    return [first, await signInMember(server.admin, receiver, email)];
  }
  const sessionIdOf = (member: MemberSession) => (member.me.session as { id: string }).id;
  const memberIdOf = (member: MemberSession) => (member.me.member as { id: string }).id;
  const dashboard = (member: MemberSession, method: "GET" | "POST" | "DELETE", path: string) =>
    call(server.admin, method, `/api/v1/dashboard${path}`, { headers: asMember(member) });

  it("records a key acknowledging an alert, sending a test event and minting an exchange code (never the code)", async () => {
    const alertId = await openAlert();
    expect((await admin("PATCH", `/alerts/${alertId}`, { acknowledged: true })).statusCode).toBe(200);
    expect((await admin("PATCH", `/alerts/${alertId}`, { acknowledged: true })).statusCode).toBe(200);

    const endpointId = await webhookEndpoint();
    const sent = await admin("POST", `/webhook-endpoints/${endpointId}/test`);
    expect(sent.statusCode).toBe(202);

    const minted = await authorize("customer-1");
    expect(minted.statusCode).toBe(200);
    const { exchangeCode, expiresAt } = minted.json();
    const consumers = (await admin("GET", "/consumers")).json().data as { id: string }[];

    const byKey = { type: "api_key", id: keyId, keyValue: "current" };
    expect(await auditLog()).toEqual([
      expect.objectContaining({
        action: "consumer.exchange_code_issued",
        actor: byKey,
        target: { type: "consumer", id: consumers[0]?.id },
        after: { provider: "shopify", resolution: "created", expiresAt },
      }),
      expect.objectContaining({
        action: "webhook_endpoint.test_sent",
        actor: byKey,
        target: { type: "webhook_endpoint", id: endpointId },
        after: { deliveryId: sent.json().id, eventId: sent.json().eventId },
      }),
      // Acknowledged once: the second acknowledgement changed nothing.
      expect.objectContaining({ action: "alert.acknowledged", actor: byKey, target: { type: "alert", id: alertId } }),
    ]);
    expect((await admin("GET", "/audit-log?first=100")).body).not.toContain(exchangeCode);
  });

  it("records a member ending another of their sessions and signing out, in live mode", async () => {
    const [here, elsewhere] = await ownerInTwoBrowsers();
    expect((await dashboard(here, "DELETE", `/sessions/${sessionIdOf(elsewhere)}`)).statusCode).toBe(204);
    expect((await dashboard(here, "DELETE", `/sessions/${sessionIdOf(elsewhere)}`)).statusCode).toBe(404);
    expect((await dashboard(here, "POST", "/sign-out")).statusCode).toBe(204);

    const member = { type: "member", id: memberIdOf(here), keyValue: null };
    const target = { type: "member", id: memberIdOf(here) };
    expect(await auditLog()).toEqual([
      expect.objectContaining({
        action: "member.signed_out",
        actor: member,
        target,
        after: { sessionId: sessionIdOf(here) },
      }),
      expect.objectContaining({
        action: "member.session_revoked",
        actor: member,
        target,
        after: { sessionId: sessionIdOf(elsewhere) },
      }),
    ]);
  });

  it("leaves each of them undone when its audit row cannot be written", async () => {
    const alertId = await openAlert();
    const endpointId = await webhookEndpoint();
    const [here, elsewhere] = await ownerInTwoBrowsers();
    const consumersBefore = (await admin("GET", "/consumers")).json().data;

    const allow = await refuseAuditRows(server, OTHER_CHANGES);
    try {
      expect((await admin("PATCH", `/alerts/${alertId}`, { acknowledged: true })).statusCode).toBe(500);
      expect((await admin("POST", `/webhook-endpoints/${endpointId}/test`)).statusCode).toBe(500);
      expect((await authorize("customer-2")).statusCode).toBe(500);
      expect((await dashboard(here, "DELETE", `/sessions/${sessionIdOf(elsewhere)}`)).statusCode).toBe(500);
      expect((await dashboard(here, "POST", "/sign-out")).statusCode).toBe(500);
    } finally {
      await allow();
    }

    const alert = (await admin("GET", "/alerts?status=open")).json().data.find((a: { id: string }) => a.id === alertId);
    expect(alert.acknowledgedAt).toBeNull();
    expect((await admin("GET", `/webhook-endpoints/${endpointId}/deliveries`)).json().data).toEqual([]);
    expect((await admin("GET", "/consumers")).json().data).toEqual(consumersBefore);
    expect((await dashboard(here, "GET", "/me")).statusCode).toBe(200);
    expect((await dashboard(elsewhere, "GET", "/me")).statusCode).toBe(200);
    expect(await auditLog()).toEqual([]);
    // The identity was not kept either: authorizing it now creates its consumer afresh.
    expect((await authorize("customer-2")).json().resolution).toBe("created");
  });
});
