import { createServer, type Server } from "node:http";
import { connect, type Socket } from "node:net";
import type { FastifyInstance } from "fastify";
import { afterAll, beforeAll, beforeEach, describe, expect, inject, it } from "vitest";
import { buildAdminApp } from "../src/app.js";
import { CLI_ACTOR } from "../src/modules/audit/service.js";
import { addOwner } from "../src/modules/members/service.js";
import { type BootstrapKeys, createOrganization } from "../src/modules/orgs/service.js";
import { acceptInvitationAs, asMember, type MemberSession, signInMember } from "./dashboard-member.js";
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

interface LiveEvent {
  event: string;
  data: Record<string, unknown>;
}

/** An open `GET /queues/:id/events` as a client reads it: its events in order, and its end. */
class StreamReader {
  private buffered = "";
  private readonly decoder = new TextDecoder();

  constructor(
    readonly status: number,
    private readonly reader: ReadableStreamDefaultReader<Uint8Array>,
    private readonly controller: AbortController,
  ) {}

  async next(): Promise<LiveEvent | "ended"> {
    for (;;) {
      const end = this.buffered.indexOf("\n\n");
      if (end >= 0) {
        const block = this.buffered.slice(0, end);
        this.buffered = this.buffered.slice(end + 2);
        const event = /^event: (.*)$/m.exec(block)?.[1] ?? "message";
        return { event, data: JSON.parse(/^data: (.*)$/m.exec(block)?.[1] ?? "null") };
      }
      const { value, done } = await this.reader.read();
      if (done) return "ended";
      this.buffered += this.decoder.decode(value, { stream: true });
    }
  }

  /** Reads past snapshots to the first other event (or the end), with a deadline. */
  async untilNotSnapshot(deadlineMs: number): Promise<LiveEvent | "ended"> {
    const timeout = new Promise<"timeout">((resolve) => setTimeout(() => resolve("timeout"), deadlineMs).unref());
    const reading = (async () => {
      for (;;) {
        const next = await this.next();
        if (next === "ended" || next.event !== "snapshot") return next;
      }
    })();
    const first = await Promise.race([reading, timeout]);
    if (first === "timeout") throw new Error(`no event but snapshots within ${deadlineMs} ms`);
    return first;
  }

  /** The whole body of a refusal (a stream never ends by itself). */
  async text(): Promise<string> {
    for (;;) {
      const { value, done } = await this.reader.read();
      if (done) return this.buffered;
      this.buffered += this.decoder.decode(value, { stream: true });
    }
  }

  close(): void {
    this.controller.abort();
  }
}

async function openStream(base: string, queueId: string, headers: Record<string, string>): Promise<StreamReader> {
  const controller = new AbortController();
  const response = await fetch(`${base}/api/v1/queues/${queueId}/events`, { headers, signal: controller.signal });
  const reader = (response.body as ReadableStream<Uint8Array>).getReader();
  return new StreamReader(response.status, reader, controller);
}

const bearer = (key: string) => ({ authorization: `Bearer ${key}` });

/** The credential is ended by `revoke`: the stream must send `revoked` and end within a second of it. */
async function expectRevokedWithin(stream: StreamReader, deadlineMs: number, queueId: string, revoke: () => unknown) {
  await revoke();
  const revokedAt = Date.now();
  const event = await stream.untilNotSnapshot(deadlineMs);
  expect(event).toEqual({ event: "revoked", data: { queueId } });
  expect(await stream.next()).toBe("ended");
  expect(Date.now() - revokedAt).toBeLessThan(deadlineMs);
}

describe.each(dialects())("live streams end with their credential (%s)", (dialect) => {
  let server: TestServer;
  let listening: FastifyInstance;
  let base: string;
  let keys: BootstrapKeys;
  let organizationId: string;
  let queueId: string;
  const receiver = new WebhookReceiver();
  const streams: StreamReader[] = [];

  beforeAll(async () => {
    const url = await receiver.start();
    server = await createTestServer(dialect, {
      FANFARE_OTP_DELIVERY: "webhook",
      FANFARE_OTP_WEBHOOK_URL: url,
      ...LOOPBACK_ALLOWED,
    });
    // Streams need a real socket: a listening copy of the admin app over the same process.
    listening = await buildAdminApp(server.deps);
    base = await listening.listen({ port: 0, host: "127.0.0.1" });
  });
  afterAll(async () => {
    for (const stream of streams) stream.close();
    await listening.close();
    await server.close();
    await receiver.stop();
  });

  beforeEach(async () => {
    const created = await createTestOrganization(server);
    keys = created.keys;
    organizationId = created.organization.id;
    queueId = await createTestQueue(server, keys.secretLive);
  });

  const watch = async (headers: Record<string, string>) => {
    const stream = await openStream(base, queueId, headers);
    streams.push(stream);
    expect(stream.status).toBe(200);
    expect(await stream.next()).toMatchObject({ event: "snapshot" });
    return stream;
  };
  const newKey = async (body: Record<string, unknown> = {}) => {
    const created = await call(server.admin, "POST", "/api/v1/api-keys", {
      key: keys.secretLive,
      body: { name: "Watcher", type: "secret", permissions: ["read:experiences"], ...body },
    });
    expect(created.statusCode).toBe(201);
    return created.json() as { id: string; key: string };
  };
  const asKey = (id: string, method: string, path = "", body?: unknown) =>
    call(server.admin, method, `/api/v1/api-keys/${id}${path}`, { key: keys.secretLive, ...(body ? { body } : {}) });
  const owner = async (): Promise<MemberSession> => {
    const email = `owner-${organizationId.toLowerCase()}@example.com`;
    await addOwner(server.deps, organizationId, email, CLI_ACTOR);
    return signInMember(server.admin, receiver, email);
  };
  const viewerInvitedBy = async (inviter: MemberSession): Promise<MemberSession> => {
    const email = `viewer-${organizationId.toLowerCase()}@example.com`;
    const invited = await call(server.admin, "POST", "/api/v1/dashboard/invitations", {
      headers: asMember(inviter),
      body: { email, role: "viewer" },
    });
    expect(invited.statusCode).toBe(201);
    return acceptInvitationAs(server.admin, receiver, invited.json().code, email);
  };

  it("a key deactivated, deleted or stripped of its permission: `revoked` and the end within a second", async () => {
    const deactivated = await newKey();
    const deleted = await newKey();
    const narrowed = await newKey();
    const kept = await newKey();
    const [first, second, third, untouched] = await Promise.all(
      [deactivated, deleted, narrowed, kept].map((key) => watch(bearer(key.key))),
    );
    await expectRevokedWithin(first as StreamReader, 1000, queueId, async () => {
      expect((await asKey(deactivated.id, "POST", "/deactivate")).statusCode).toBe(200);
    });
    await expectRevokedWithin(second as StreamReader, 1000, queueId, async () => {
      expect((await asKey(deleted.id, "DELETE")).statusCode).toBe(200);
    });
    await expectRevokedWithin(third as StreamReader, 1000, queueId, async () => {
      expect((await asKey(narrowed.id, "PATCH", "", { permissions: ["read:analytics"] })).statusCode).toBe(200);
    });
    // A stream whose key still holds goes on.
    expect(await (untouched as StreamReader).next()).toMatchObject({ event: "snapshot" });
    for (const key of [deactivated, deleted, narrowed]) {
      const refused = await call(server.admin, "GET", `/api/v1/queues/${queueId}/live`, { key: key.key });
      expect([401, 403]).toContain(refused.statusCode);
    }
  });

  it("a member removed, or their session signed out: `revoked` and the end within a second", async () => {
    const admin = await owner();
    const viewer = await viewerInvitedBy(admin);
    const byViewer = await watch({ cookie: viewer.cookie });
    const byOwner = await watch({ cookie: admin.cookie });
    const viewerId = (viewer.me.member as { id: string }).id;
    await expectRevokedWithin(byViewer, 1000, queueId, async () => {
      const removed = await call(server.admin, "DELETE", `/api/v1/dashboard/members/${viewerId}`, {
        headers: asMember(admin),
      });
      expect(removed.statusCode).toBe(204);
    });
    await expectRevokedWithin(byOwner, 1000, queueId, async () => {
      const signedOut = await call(server.admin, "POST", "/api/v1/dashboard/sign-out", { headers: asMember(admin) });
      expect(signedOut.statusCode).toBe(204);
    });
    const afterwards = await call(server.admin, "GET", `/api/v1/queues/${queueId}/live`, {
      headers: { cookie: admin.cookie },
    });
    expect(afterwards.statusCode).toBe(401);
  });

  it("with no change to hear, a credential that ran out (an expired key, an idle session) ends at the next 30 s check", async () => {
    const expiring = await newKey({ expiresAt: new Date(server.clock.now() + 60_000).toISOString() });
    const viewer = await viewerInvitedBy(await owner());
    const byKey = await watch(bearer(expiring.key));
    const byMember = await watch({ cookie: viewer.cookie });
    const lasting = await watch(bearer(keys.secretLive));
    // 29 s later the credentials are still good and nothing has changed: the streams go on.
    server.clock.advance(29_000);
    expect(await byKey.next()).toMatchObject({ event: "snapshot" });
    // Past the key's expiry and the session's idle timeout, with no event published: only the
    // periodic check (each second, against the injected clock) can find out.
    server.clock.advance(server.deps.config.dashboardIdleMinutes * 60_000);
    await expectRevokedWithin(byKey, 2000, queueId, () => {});
    await expectRevokedWithin(byMember, 2000, queueId, () => {});
    expect(await lasting.next()).toMatchObject({ event: "snapshot" });
    lasting.close();
  });

  it("caps open streams per key and per member (5) and per organization (10) on the free plan: 429 too_many_streams", async () => {
    const created = await createOrganization(server.deps, { name: "Free", plan: "free" });
    keys = created.keys;
    organizationId = created.organization.id;
    queueId = await createTestQueue(server, keys.secretLive);
    const [first, second] = [await newKey(), await newKey()];
    const viewer = await viewerInvitedBy(await owner());
    /** A request that must be refused; a stream opened instead is closed, so a failure never hangs. */
    const refused = async (headers: Record<string, string>) => {
      const stream = await openStream(base, queueId, headers);
      streams.push(stream);
      if (stream.status === 200) stream.close();
      return { status: stream.status, body: stream.status === 200 ? null : JSON.parse(await stream.text()) };
    };
    const opened: StreamReader[] = [];
    for (let i = 0; i < 5; i++) opened.push(await watch(bearer(first.key)));
    expect(await refused(bearer(first.key))).toEqual({
      status: 429,
      body: {
        error: "too_many_streams",
        message: "Too many live streams are open. Close one, or poll /queues/{id}/live instead.",
      },
    });
    // A stream closed gives its place back: the member's first stream finds room (9 in the organization).
    opened.shift()?.close();
    await expect
      .poll(async () => {
        const again = await openStream(base, queueId, { cookie: viewer.cookie });
        streams.push(again);
        if (again.status === 200) opened.push(again);
        return again.status;
      })
      .toBe(200);
    for (let i = 0; i < 4; i++) opened.push(await watch({ cookie: viewer.cookie }));
    // The member's sixth: refused by the member's cap, with room left in the organization.
    expect((await refused({ cookie: viewer.cookie })).body).toMatchObject({ error: "too_many_streams" });
    // The tenth fills the organization: the second key's next is refused although the key holds one.
    opened.push(await watch(bearer(second.key)));
    expect((await refused(bearer(second.key))).body).toMatchObject({ error: "too_many_streams" });
    const other = await createTestOrganization(server, "Other");
    const otherQueue = await createTestQueue(server, other.keys.secretLive);
    const elsewhere = await openStream(base, otherQueue, bearer(other.keys.secretLive));
    streams.push(elsewhere);
    expect(elsewhere.status).toBe(200);
    for (const stream of [...opened, elsewhere]) stream.close();
  });

  it("a reader that stops reading gets snapshots dropped, never buffered: the server holds one at most, and the latest follows once it reads", async () => {
    const app = await buildAdminApp(server.deps);
    await app.ready();
    // A full TCP send buffer, made on purpose: the server's side of each connection is corked by
    // the test (nothing leaves the process), and its sockets' high-water mark is 1 KiB, below one
    // snapshot, so the first one already fills it.
    const sockets: Socket[] = [];
    const corked: Server = createServer({ highWaterMark: 1024 }, (request, response) => app.routing(request, response));
    corked.on("connection", (socket) => {
      socket.cork();
      sockets.push(socket);
    });
    await new Promise<void>((resolve) => corked.listen(0, "127.0.0.1", resolve));
    const { port } = corked.address() as { port: number };
    const client = connect(port, "127.0.0.1");
    let received = "";
    client.on("data", (chunk) => {
      received += chunk.toString();
    });
    try {
      client.write(
        `GET /api/v1/queues/${queueId}/events HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer ${keys.secretLive}\r\n\r\n`,
      );
      await expect.poll(() => sockets[0]?.writableLength ?? 0).toBeGreaterThan(1024);
      const held = sockets[0] as Socket;
      const firstBytes = held.writableLength;
      // A reading stream on the same queue shows each reading sent while the other cannot take it.
      const reading = await watch(bearer(keys.secretLive));
      for (let tick = 0; tick < 3; tick++) expect(await reading.next()).toMatchObject({ event: "snapshot" });
      expect(held.writableLength).toBe(firstBytes);
      // Reading again: what was held goes out, then the latest reading kept, then the stream goes on.
      held.uncork();
      await expect
        .poll(() => received.split("event: snapshot").length - 1, { timeout: 3000 })
        .toBeGreaterThanOrEqual(3);
      expect(received).toContain("200 OK");
      reading.close();
    } finally {
      client.destroy();
      await app.close();
      await new Promise((resolve) => corked.close(resolve));
    }
  });
});

describe.each(dialects())("the server-wide cap on live streams (%s)", (dialect) => {
  let server: TestServer;
  let listening: FastifyInstance;
  beforeAll(async () => {
    server = await createTestServer(dialect, { FANFARE_LIVE_STREAMS_MAX: "2" });
    listening = await buildAdminApp(server.deps);
  });
  afterAll(async () => {
    await listening.close();
    await server.close();
  });

  it("counts every organization's streams in this process: past FANFARE_LIVE_STREAMS_MAX, 429 for anyone", async () => {
    const base = await listening.listen({ port: 0, host: "127.0.0.1" });
    const opened: StreamReader[] = [];
    try {
      for (const name of ["One", "Two", "Three"]) {
        const { keys } = await createTestOrganization(server, name);
        const queueId = await createTestQueue(server, keys.secretLive);
        const stream = await openStream(base, queueId, bearer(keys.secretLive));
        opened.push(stream);
        expect(stream.status, name).toBe(name === "Three" ? 429 : 200);
      }
    } finally {
      for (const stream of opened) stream.close();
    }
  });
});

describe.runIf(inject("postgres") && inject("redis"))("live streams across two processes (PostgreSQL + Redis)", () => {
  let database: TestDatabase;
  const servers: ServerProcess[] = [];
  afterAll(async () => {
    await stopAll(servers);
    await database?.drop();
  });

  it("a key deactivated through one process ends its stream on the other within a second", async () => {
    database = await createTestDatabase("postgres");
    const env = { ...database.env, FANFARE_REDIS_URL: REDIS_URL };
    const { keys } = JSON.parse(runCli(["init", "--name", "Two Nodes", "--json"], env).stdout);
    const [a, b] = await Promise.all([startServerProcess(env), startServerProcess(env)]);
    servers.push(a, b);
    const admin = async (base: string, method: string, path: string, body?: unknown) =>
      fetch(`${base}/api/v1${path}`, {
        method,
        headers: { ...bearer(keys.secretLive), ...(body ? { "content-type": "application/json" } : {}) },
        ...(body ? { body: JSON.stringify(body) } : {}),
      });
    const experience = (await (await admin(a.adminUrl, "POST", "/experiences", { name: "Drop" })).json()) as {
      id: string;
    };
    const queue = (await (
      await admin(a.adminUrl, "POST", `/experiences/${experience.id}/queues`, { name: "Main" })
    ).json()) as {
      id: string;
    };
    const created = await admin(a.adminUrl, "POST", "/api-keys", {
      name: "Watcher",
      type: "secret",
      permissions: ["read:experiences"],
    });
    const watcher = (await created.json()) as { id: string; key: string };
    const stream = await openStream(a.adminUrl, queue.id, bearer(watcher.key));
    try {
      expect(stream.status).toBe(200);
      expect(await stream.next()).toMatchObject({ event: "snapshot" });
      await expectRevokedWithin(stream, 1000, queue.id, async () => {
        expect((await admin(b.adminUrl, "POST", `/api-keys/${watcher.id}/deactivate`)).status).toBe(200);
      });
    } finally {
      stream.close();
    }
    // Two server processes start from source: slow on a loaded machine.
  }, 90_000);
});
