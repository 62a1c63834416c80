import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, inject, it } from "vitest";
import { buildAdminApp } from "../src/app.js";
import { CLI_ACTOR } from "../src/modules/audit/service.js";
import { addOwner } from "../src/modules/members/service.js";
import type { BootstrapKeys } from "../src/modules/orgs/service.js";
import { maskContact } from "../src/modules/queue-live/snapshot.js";
import { acceptInvitationAs, asMember, signInMember } from "./dashboard-member.js";
import {
  createTestDatabase,
  createTestOrganization,
  createTestQueue,
  createTestServer,
  dialects,
  type TestDatabase,
  type TestServer,
} from "./harness.js";
import { call } from "./http.js";
import { runCli, type ServerProcess, startServerProcess, stopAll } from "./process.js";
import { REDIS_URL } from "./services.js";
import { LOOPBACK_ALLOWED, WebhookReceiver } from "./webhook-receiver.js";

describe("masked contact details", () => {
  it("keep the first letter and the domain of an email, the ends of a phone number", () => {
    expect(maskContact("shopper@example.com", null)).toBe("s•••@example.com");
    expect(maskContact(null, "+14155550123")).toBe("+1••••••••23");
    expect(maskContact(null, null)).toBeNull();
  });
});

describe.each(dialects())("the drop control room (%s)", (dialect) => {
  let server: TestServer;
  let keys: BootstrapKeys;
  let organizationId: string;
  let queueId: string;
  const receiver = new WebhookReceiver();

  beforeAll(async () => {
    const url = await receiver.start();
    server = await createTestServer(dialect, {
      FANFARE_OTP_DELIVERY: "webhook",
      FANFARE_OTP_WEBHOOK_URL: url,
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
    queueId = await createTestQueue(server, keys.secretLive);
  });
  afterEach(() => server.clock.advance(60_000));

  const live = async () => {
    await server.deps.queueActivity.flush();
    const response = await call(server.admin, "GET", `/api/v1/queues/${queueId}/live`, { key: keys.secretLive });
    expect(response.statusCode).toBe(200);
    return response.json();
  };
  const shoppers = async (count: number): Promise<string[]> => {
    const ids: string[] = [];
    for (let i = 0; i < count; i++) {
      const guest = await call(server.consumer, "POST", "/api/v1/auth/guest", {
        headers: { "x-publishable-key": keys.publishableLive },
      });
      const entered = await call(server.consumer, "POST", `/api/v1/queues/${queueId}/enter`, {
        key: guest.json().accessToken,
        headers: { "x-publishable-key": keys.publishableLive },
      });
      expect(entered.statusCode).toBe(201);
      ids.push(guest.json().session.consumerId);
    }
    return ids;
  };
  const operator = (path: string, body: unknown, headers: Record<string, string> = {}) =>
    call(server.admin, "POST", `/api/v1/queues/${queueId}/live/${path}`, { key: keys.secretLive, body, headers });
  const audited = async () =>
    (await call(server.admin, "GET", "/api/v1/audit-log?first=20", { key: keys.secretLive })).json().data as {
      action: string;
      target: { id: string };
      after: Record<string, unknown> | null;
    }[];

  it("counts the line, its pace and enter latency from what every process flushed, and shows who is next", async () => {
    const ids = await shoppers(5);
    const view = await live();
    expect(view).toMatchObject({
      object: "queue_live",
      queueId,
      name: "Main",
      status: "OPEN",
      paused: false,
      counts: { waiting: 5, admitted: 0, completed: 0, denied: 0, expired: 0, left: 0 },
      rateLimited: 0,
    });
    expect(view.series).toHaveLength(30);
    expect(view.series.reduce((sum: number, point: { arrivals: number }) => sum + point.arrivals, 0)).toBe(5);
    expect(view.enterMs.p50).toEqual(expect.any(Number));
    expect(view.nextInLine.map((next: { consumerId: string }) => next.consumerId)).toEqual(ids);
    expect(view.nextInLine[0]).toMatchObject({ position: 1, contact: null });
    // A minute later the arrivals count in the per-second pace of the last complete minute.
    server.clock.advance(20_000);
    expect((await live()).perSecond.arrivals).toBeCloseTo(5 / 60, 1);
  });

  it("admits the next N, denies one, extends running admissions: each audited and in the view at once", async () => {
    const ids = await shoppers(4);
    const admitted = await operator("admit", { count: 2 });
    expect(admitted.statusCode).toBe(200);
    expect(admitted.json().data.map((state: { consumerId: string }) => state.consumerId)).toEqual(ids.slice(0, 2));
    expect((await live()).counts).toMatchObject({ waiting: 2, admitted: 2 });

    const denied = await operator("deny", { consumerId: ids[2] });
    expect(denied.json()).toMatchObject({ consumerId: ids[2], status: "DENIED", denyReason: "ADMIN_ACTION" });
    expect((await operator("deny", { consumerId: "con_nobody" })).statusCode).toBe(404);

    const before = (await call(server.admin, "GET", `/api/v1/queues/${queueId}/live`, { key: keys.secretLive })).json();
    const extended = await operator("extend", { seconds: 600 });
    expect(extended.json()).toMatchObject({ extended: 2, latestExpiresAt: expect.any(String) });
    const expiry = Date.parse(extended.json().latestExpiresAt) - server.clock.now();
    expect(expiry).toBe((before.admissionTtlSeconds + 600) * 1000);
    expect((await operator("extend", { seconds: 5 })).statusCode).toBe(400);

    const view = await live();
    expect(view.counts).toMatchObject({ waiting: 1, admitted: 2, denied: 1 });
    expect(view.series.reduce((sum: number, point: { admissions: number }) => sum + point.admissions, 0)).toBe(2);
    expect(before.counts.denied).toBe(1);
    const actions = (await audited()).filter((entry) => entry.target.id === queueId).map((entry) => entry.action);
    expect(actions).toEqual(
      expect.arrayContaining(["queue.admitted_next", "queue.consumer_denied", "queue.admissions_extended"]),
    );
    const admission = (await audited()).find((entry) => entry.action === "queue.admitted_next");
    expect(admission?.after).toEqual({ requested: 2, admitted: ids.slice(0, 2) });
  });

  it("lets every member watch and only editors and above act; a key of the other mode sees no such queue", async () => {
    await shoppers(1);
    const ownerEmail = `owner-${organizationId.toLowerCase()}@example.com`;
    await addOwner(server.deps, organizationId, ownerEmail, CLI_ACTOR);
    const owner = await signInMember(server.admin, receiver, ownerEmail);
    const viewerEmail = `viewer-${organizationId.toLowerCase()}@example.com`;
    const invited = await call(server.admin, "POST", "/api/v1/dashboard/invitations", {
      headers: asMember(owner),
      body: { email: viewerEmail, role: "viewer" },
    });
    expect(invited.statusCode).toBe(201);
    const viewer = await acceptInvitationAs(server.admin, receiver, invited.json().code, viewerEmail);

    const watch = await call(server.admin, "GET", `/api/v1/queues/${queueId}/live`, { headers: asMember(viewer) });
    expect(watch.statusCode).toBe(200);
    const refused = await call(server.admin, "POST", `/api/v1/queues/${queueId}/live/admit`, {
      headers: asMember(viewer),
      body: { count: 1 },
    });
    expect(refused.statusCode).toBe(403);
    const byOwner = await call(server.admin, "POST", `/api/v1/queues/${queueId}/live/admit`, {
      headers: asMember(owner),
      body: { count: 1 },
    });
    expect(byOwner.statusCode).toBe(200);
    expect((await live()).counts.admitted).toBe(1);
    const otherMode = await call(server.admin, "GET", `/api/v1/queues/${queueId}/live`, { key: keys.secretTest });
    expect(otherMode.statusCode).toBe(404);
  });

  it("streams the view as Server-Sent Events, with an action visible within a second, and ends when the queue goes", async () => {
    await shoppers(3);
    // A listening copy of the admin app: streams need a real socket.
    const listening = await buildAdminApp(server.deps);
    const address = await listening.listen({ port: 0, host: "127.0.0.1" });
    const controller = new AbortController();
    const response = await fetch(`${address}/api/v1/queues/${queueId}/events`, {
      headers: { authorization: `Bearer ${keys.secretLive}` },
      signal: controller.signal,
    });
    expect(response.headers.get("content-type")).toBe("text/event-stream; charset=utf-8");
    const reader = (response.body as ReadableStream<Uint8Array>).getReader();
    const decoder = new TextDecoder();
    let buffered = "";
    const nextEvent = async (): Promise<{ event: string; data: Record<string, unknown> }> => {
      for (;;) {
        const end = buffered.indexOf("\n\n");
        if (end >= 0) {
          const block = buffered.slice(0, end);
          buffered = buffered.slice(end + 2);
          const event = /^event: (.*)$/m.exec(block)?.[1] ?? "message";
          return { event, data: JSON.parse(/^data: (.*)$/m.exec(block)?.[1] ?? "null") };
        }
        const { value, done } = await reader.read();
        if (done) throw new Error("the stream ended");
        buffered += decoder.decode(value, { stream: true });
      }
    };
    try {
      const first = await nextEvent();
      expect(first).toMatchObject({ event: "snapshot", data: { counts: { waiting: 3, admitted: 0 } } });
      expect((await operator("admit", { count: 1 })).statusCode).toBe(200);
      const startedAt = Date.now();
      let seen = first;
      // Through another app, as another process would: the stream's next reading shows it.
      while ((seen.data.counts as { admitted: number }).admitted !== 1) seen = await nextEvent();
      expect(Date.now() - startedAt).toBeLessThan(1000 + 500);

      expect(
        (await call(server.admin, "DELETE", `/api/v1/queues/${queueId}`, { key: keys.secretLive })).statusCode,
      ).toBe(200);
      let last = seen;
      while (last.event === "snapshot") last = await nextEvent();
      expect(last).toEqual({ event: "gone", data: { queueId } });
    } finally {
      controller.abort();
      await listening.close();
    }
  });

  it("answers 404 for a queue of another organization, before any stream starts", async () => {
    const other = await createTestOrganization(server, "Other");
    const response = await call(server.admin, "GET", `/api/v1/queues/${queueId}/events`, {
      key: other.keys.secretLive,
    });
    expect(response.statusCode).toBe(404);
    expect(response.json()).toMatchObject({ error: "Queue not found" });
  });
});

describe.runIf(inject("postgres") && inject("redis"))(
  "the control room with two server processes (PostgreSQL + Redis)",
  () => {
    let database: TestDatabase;
    const servers: ServerProcess[] = [];
    afterAll(async () => {
      await stopAll(servers);
      await database?.drop();
    });

    it("shows the same figures from either process, and an action through one in the other's stream within a second", async () => {
      database = await createTestDatabase("postgres");
      const env = { ...database.env, FANFARE_REDIS_URL: REDIS_URL, FANFARE_USAGE_FLUSH_MS: "200" };
      const { keys } = JSON.parse(runCli(["init", "--name", "Two Nodes", "--json"], env).stdout);
      const [a, b] = await Promise.all([startServerProcess(env), startServerProcess(env)]);
      servers.push(a, b);
      const json = { "content-type": "application/json" };
      const admin = async (base: string, method: string, path: string, body?: unknown) =>
        fetch(`${base}/api/v1${path}`, {
          method,
          headers: { authorization: `Bearer ${keys.secretLive}`, ...(body ? json : {}) },
          ...(body ? { body: JSON.stringify(body) } : {}),
        });
      const experience = (await (await admin(a.adminUrl, "POST", "/experiences", { name: "Drop" })).json()) as {
        id: string;
      };
      const created = await admin(a.adminUrl, "POST", `/experiences/${experience.id}/queues`, { name: "Main" });
      const queue = (await created.json()) as { id: string };
      for (const server of [a, b, a, b, a, b]) {
        const publishable = { "x-publishable-key": keys.publishableLive };
        const started = await fetch(`${server.consumerUrl}/api/v1/auth/guest`, {
          method: "POST",
          headers: publishable,
        });
        const guest = (await started.json()) as { accessToken: string };
        const entered = await fetch(`${server.consumerUrl}/api/v1/queues/${queue.id}/enter`, {
          method: "POST",
          headers: { ...publishable, authorization: `Bearer ${guest.accessToken}` },
        });
        expect(entered.status).toBe(201);
      }
      // Each process flushed its own arrivals; either one reads them all.
      const figures = async (base: string) => {
        const view = (await (await admin(base, "GET", `/queues/${queue.id}/live`)).json()) as {
          counts: { waiting: number };
          series: { arrivals: number }[];
        };
        const arrivals = view.series.reduce((sum, point) => sum + point.arrivals, 0);
        return { waiting: view.counts.waiting, arrivals };
      };
      await expect.poll(() => figures(a.adminUrl), { timeout: 3000 }).toEqual({ waiting: 6, arrivals: 6 });
      expect(await figures(b.adminUrl)).toEqual({ waiting: 6, arrivals: 6 });

      const stream = await fetch(`${a.adminUrl}/api/v1/queues/${queue.id}/events`, {
        headers: { authorization: `Bearer ${keys.secretLive}` },
      });
      const reader = (stream.body as ReadableStream<Uint8Array>).getReader();
      const decoder = new TextDecoder();
      let received = "";
      try {
        expect((await admin(b.adminUrl, "POST", `/queues/${queue.id}/live/admit`, { count: 2 })).status).toBe(200);
        const admittedAt = Date.now();
        while (!received.includes('"admitted":2')) received += decoder.decode((await reader.read()).value);
        expect(Date.now() - admittedAt).toBeLessThan(1500);
      } finally {
        await reader.cancel();
      }
      // A process whose stream just closed still shuts down at once, not after a keep-alive timeout.
      const stoppingAt = Date.now();
      a.child.kill("SIGTERM");
      expect(await a.exited).toBe(0);
      expect(Date.now() - stoppingAt).toBeLessThan(5000);
      // Two server processes start from source: slow on a loaded machine.
    }, 90_000);
  },
);
