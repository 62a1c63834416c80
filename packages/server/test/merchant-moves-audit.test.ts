import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import type { BootstrapKeys } from "../src/modules/orgs/service.js";
import { createTestOrganization, createTestQueue, createTestServer, dialects, type TestServer } from "./harness.js";
import { call } from "./http.js";
import { refuseAuditRows } from "./refuse-audit-rows.js";

interface AuditRow {
  action: string;
  actor: { type: string; id: string | null };
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
        actor: { type: "api_key", id: keyId },
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
    const byKey = { actor: { type: "api_key", id: keyId }, target: { type: "queue", id: queueId } };
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
