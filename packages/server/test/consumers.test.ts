import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import type { BootstrapKeys } from "../src/modules/orgs/service.js";
import { createTestOrganization, createTestServer, dialects, type TestServer } from "./harness.js";
import { call } from "./http.js";

describe.each(dialects())("consumers (%s)", (dialect) => {
  let server: TestServer;
  let keys: BootstrapKeys;
  let queueId: string;
  let addressCounter = 0;

  beforeAll(async () => {
    server = await createTestServer(dialect);
  });
  afterAll(() => server.close());
  beforeEach(async () => {
    ({ keys } = await createTestOrganization(server));
    const admin = { key: keys.secretTest };
    const experience = await call(server.admin, "POST", "/api/v1/experiences", { ...admin, body: { name: "Drop" } });
    const queue = await call(server.admin, "POST", `/api/v1/experiences/${experience.json().id}/queues`, {
      ...admin,
      body: { name: "Main" },
    });
    queueId = queue.json().id;
  });

  // Test mode throughout: its one-time codes can be read back from the test outbox.
  const consumerCall = (token: string, method: "GET" | "POST", url: string, body?: unknown) =>
    call(server.consumer, method, url, { key: token, headers: { "x-publishable-key": keys.publishableTest }, body });
  const admin = (method: "GET" | "POST" | "DELETE", url: string, key = keys.secretTest) =>
    call(server.admin, method, url, { key });
  const nextAddress = () => `10.9.${(++addressCounter >> 8) & 255}.${addressCounter & 255}`;

  async function guest(): Promise<{ token: string; consumerId: string }> {
    const response = await call(server.consumer, "POST", "/api/v1/auth/guest", {
      headers: { "x-publishable-key": keys.publishableTest },
      remoteAddress: nextAddress(),
    });
    return { token: response.json().accessToken, consumerId: response.json().session.consumerId };
  }

  /** Signs in by email through the real OTP flow; with a guest token, that guest is upgraded. */
  async function signIn(email: string, guestToken?: string): Promise<{ token: string; consumerId: string }> {
    const headers = { "x-publishable-key": keys.publishableTest };
    const remoteAddress = nextAddress();
    await call(server.consumer, "POST", "/api/v1/auth/otp/request", { headers, body: { email }, remoteAddress });
    const outbox = await admin("GET", `/api/v1/test/messages?to=${encodeURIComponent(email)}`);
    const code = outbox.json().data[0].code as string;
    const response = await call(server.consumer, "POST", "/api/v1/auth/otp/verify", {
      headers: { ...headers, ...(guestToken ? { authorization: `Bearer ${guestToken}` } : {}) },
      body: { email, code },
      remoteAddress,
    });
    expect(response.statusCode).toBe(200);
    return { token: response.json().accessToken, consumerId: response.json().session.consumerId };
  }

  it("shows a consumer their profile and the places they hold", async () => {
    const shopper = await guest();
    await consumerCall(shopper.token, "POST", `/api/v1/queues/${queueId}/enter`);
    const me = await consumerCall(shopper.token, "GET", "/api/v1/consumers/me");
    expect(me.statusCode).toBe(200);
    expect(me.json()).toMatchObject({
      id: shopper.consumerId,
      isGuest: true,
      email: null,
      active: { queues: [{ queueId, consumerId: shopper.consumerId, status: "QUEUED", position: 1 }] },
    });
    const anonymous = await call(server.consumer, "GET", "/api/v1/consumers/me", {
      headers: { "x-publishable-key": keys.publishableTest },
    });
    expect(anonymous.body).toBe('{"error":"Authentication required"}');
  });

  it("lets a guest who signs in keep their place in line", async () => {
    const ahead = await guest();
    await consumerCall(ahead.token, "POST", `/api/v1/queues/${queueId}/enter`);
    const shopper = await guest();
    await consumerCall(shopper.token, "POST", `/api/v1/queues/${queueId}/enter`);
    const behind = await guest();
    await consumerCall(behind.token, "POST", `/api/v1/queues/${queueId}/enter`);

    const member = await signIn("shopper@example.com", shopper.token);
    expect(member.consumerId).toMatch(/^cons_/);
    const status = await consumerCall(member.token, "GET", `/api/v1/queues/${queueId}/status`);
    expect(status.json()).toMatchObject({ consumerId: member.consumerId, status: "QUEUED", position: 2 });
    const again = await consumerCall(member.token, "POST", `/api/v1/queues/${queueId}/enter`);
    expect(again.statusCode).toBe(200);
    expect(again.json().position).toBe(2);
    const me = (await consumerCall(member.token, "GET", "/api/v1/consumers/me")).json();
    expect(me).toMatchObject({ isGuest: false, email: "shopper@example.com" });
    expect(me.active.queues).toHaveLength(1);
    expect((await consumerCall(behind.token, "GET", `/api/v1/queues/${queueId}/status`)).json().position).toBe(3);
  });

  it("lists and searches consumers, newest first, with cursor pagination", async () => {
    const first = await signIn("ada@Example.COM");
    server.clock.advance(1000);
    const second = await signIn("grace@example.com");
    server.clock.advance(1000);
    const anonymous = await guest();

    const page1 = await admin("GET", "/api/v1/consumers?first=2");
    expect(page1.statusCode).toBe(200);
    expect(page1.json().data.map((c: { id: string }) => c.id)).toEqual([anonymous.consumerId, second.consumerId]);
    expect(page1.json().data[0]).toMatchObject({ object: "consumer", type: "guest", email: null });
    expect(page1.json().pageInfo.hasNextPage).toBe(true);
    const page2 = await admin("GET", `/api/v1/consumers?first=2&after=${page1.json().pageInfo.endCursor}`);
    expect(page2.json().data.map((c: { id: string }) => c.id)).toEqual([first.consumerId]);
    expect(page2.json().pageInfo.hasNextPage).toBe(false);

    const found = await admin("GET", `/api/v1/consumers?email=${encodeURIComponent(" ada@EXAMPLE.com")}`);
    expect(found.json().data).toEqual([
      expect.objectContaining({ id: first.consumerId, type: "consumer", email: "ada@example.com" }),
    ]);
    expect((await admin("GET", "/api/v1/consumers?email=nobody@example.com")).json().data).toEqual([]);
    const badPhone = await admin("GET", "/api/v1/consumers?phone=12345");
    expect(badPhone.statusCode).toBe(400);
    expect(badPhone.json().error).toBe("invalid_phone");
    const badCursor = await admin("GET", "/api/v1/consumers?after=bm9wZQ");
    expect(badCursor.json().error).toBe("validation_error");

    const one = await admin("GET", `/api/v1/consumers/${second.consumerId}`);
    expect(one.json()).toMatchObject({ id: second.consumerId, email: "grace@example.com", upgradedTo: null });
    const hidden = [keys.secretLive, (await createTestOrganization(server, "Rival")).keys.secretTest];
    for (const key of hidden) {
      const response = await admin("GET", `/api/v1/consumers/${second.consumerId}`, key);
      expect(response.statusCode).toBe(404);
      expect(response.body).toBe('{"error":"Consumer not found"}');
      expect((await admin("GET", "/api/v1/consumers", key)).json().data).toEqual([]);
    }
  });

  it("signs a consumer out everywhere", async () => {
    const shopper = await signIn("busy@example.com");
    server.clock.advance(60_000);
    const laptop = await signIn("busy@example.com");
    const revoked = await admin("POST", `/api/v1/consumers/${shopper.consumerId}/sessions/revoke`);
    expect(revoked.json()).toEqual({ consumerId: shopper.consumerId, revokedSessions: 2 });
    for (const token of [shopper.token, laptop.token]) {
      expect((await consumerCall(token, "GET", "/api/v1/consumers/me")).statusCode).toBe(401);
    }
    const audit = await admin("GET", "/api/v1/audit-log");
    expect(audit.json().data[0]).toMatchObject({ action: "consumer.sessions_revoked" });
  });

  it("erases personal data, gives up the consumer's places and keeps the counts", async () => {
    const shopper = await signIn("erase.me@example.com");
    await consumerCall(shopper.token, "POST", `/api/v1/queues/${queueId}/enter`, undefined);
    const other = await guest();
    await consumerCall(other.token, "POST", `/api/v1/queues/${queueId}/enter`);

    const erased = await admin("DELETE", `/api/v1/consumers/${shopper.consumerId}`);
    expect(erased.json()).toEqual({ id: shopper.consumerId, object: "consumer", deleted: true });
    expect((await admin("GET", `/api/v1/consumers/${shopper.consumerId}`)).statusCode).toBe(404);
    expect((await admin("GET", "/api/v1/consumers?email=erase.me%40example.com")).json().data).toEqual([]);
    expect((await admin("DELETE", `/api/v1/consumers/${shopper.consumerId}`)).statusCode).toBe(404);
    expect((await consumerCall(shopper.token, "GET", "/api/v1/consumers/me")).statusCode).toBe(401);
    expect((await consumerCall(other.token, "GET", `/api/v1/queues/${queueId}/status`)).json().position).toBe(1);
    const queue = await call(server.admin, "GET", `/api/v1/queues/${queueId}`, { key: keys.secretTest });
    expect(queue.json().consumerCount).toBe(1);
    expect((await admin("GET", "/api/v1/test/messages?to=erase.me%40example.com")).json().data).toEqual([]);

    // The same address later is a stranger: a new consumer, nothing carried over.
    server.clock.advance(60_000);
    const returning = await signIn("erase.me@example.com");
    expect(returning.consumerId).not.toBe(shopper.consumerId);
  });

  it("keeps each consumer action behind its scope", async () => {
    const shopper = await signIn("scoped@example.com");
    const createKey = async (permissions: string[]) =>
      (
        await call(server.admin, "POST", "/api/v1/api-keys", {
          key: keys.secretTest,
          body: { name: permissions.join(","), type: "secret", permissions },
        })
      ).json().key as string;
    const reader = await createKey(["read:consumers"]);
    const experiences = await createKey(["write:experiences"]);
    expect((await admin("GET", "/api/v1/consumers", reader)).statusCode).toBe(200);
    expect((await admin("DELETE", `/api/v1/consumers/${shopper.consumerId}`, reader)).statusCode).toBe(403);
    expect((await admin("POST", `/api/v1/consumers/${shopper.consumerId}/sessions/revoke`, reader)).statusCode).toBe(
      403,
    );
    expect((await admin("GET", "/api/v1/consumers", experiences)).statusCode).toBe(403);
    expect((await admin("GET", "/api/v1/consumers", keys.publishableTest)).statusCode).toBe(401);
    expect((await consumerCall(shopper.token, "GET", "/api/v1/consumers/me")).statusCode).toBe(200);
  });
});
