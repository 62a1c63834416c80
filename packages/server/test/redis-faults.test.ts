import { type ChildProcess, spawn } from "node:child_process";
import { once } from "node:events";
import { existsSync } from "node:fs";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { FaultProxy } from "./fault-proxy.js";
import { createTestOrganization, createTestServer, type TestServer } from "./harness.js";
import { call } from "./http.js";
import { freePort, reachable } from "./services.js";

/**
 * Redis is killed and restarted under a running server. The test runs its own redis-server on a
 * private port, so the shared one other test files use is never disturbed.
 */
const REDIS_BINARY = "/usr/bin/redis-server";
// Chosen once: a restarted Redis comes back on the same port, where the servers look for it.
const PORT = await freePort();
const URL_ = `redis://127.0.0.1:${PORT}`;
const available = existsSync(REDIS_BINARY);
if (!available) console.log(`[skip] Redis fault tests: ${REDIS_BINARY} not found`);

async function startRedis(): Promise<ChildProcess> {
  const child = spawn(
    REDIS_BINARY,
    ["--port", String(PORT), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no"],
    {
      stdio: "ignore",
    },
  );
  for (let i = 0; i < 100 && !(await reachable(URL_, PORT)); i++) await new Promise((r) => setTimeout(r, 50));
  return child;
}

async function stopRedis(child: ChildProcess): Promise<void> {
  child.kill("SIGKILL");
  await once(child, "exit");
}

describe.runIf(available)("rate limits when Redis dies and comes back", () => {
  let redis: ChildProcess;
  let open: TestServer;
  let closed: TestServer;

  beforeAll(async () => {
    redis = await startRedis();
    open = await createTestServer("sqlite", { FANFARE_REDIS_URL: URL_ });
    closed = await createTestServer("sqlite", { FANFARE_REDIS_URL: URL_, FANFARE_RATE_LIMIT_FAILURE_MODE: "closed" });
  });
  afterAll(async () => {
    await open.close();
    await closed.close();
    if (redis.exitCode === null) await stopRedis(redis);
  });
  afterEach(async () => {
    if (redis.exitCode !== null) redis = await startRedis();
  });

  const ready = async (server: TestServer) => {
    const response = await server.admin.inject({ method: "GET", url: "/readyz" });
    return { status: response.statusCode, body: response.json() };
  };

  it("keeps serving with local limits (open) or refuses (closed), says so on /readyz, and recovers", async () => {
    const { keys: openKeys } = await createTestOrganization(open);
    const { keys: closedKeys } = await createTestOrganization(closed);
    const list = (server: TestServer, key: string) => call(server.admin, "GET", "/api/v1/experiences", { key });
    expect((await list(open, openKeys.secretLive)).statusCode).toBe(200);
    expect((await ready(open)).body.checks.rateLimiter).toBe("ok");

    await stopRedis(redis);
    const logs = open.logs;
    const served = await list(open, openKeys.secretLive);
    expect(served.statusCode).toBe(200);
    expect(served.headers["x-ratelimit-limit"]).toBe("10000");
    expect((await list(open, openKeys.secretLive)).statusCode).toBe(200);
    expect(logs.lines.filter((line) => line.includes("Redis unreachable"))).toHaveLength(1);
    expect(await ready(open)).toEqual({
      status: 200,
      body: { status: "ready", checks: { database: "ok", storage: "ok", rateLimiter: "degraded", codeDelivery: "ok" } },
    });

    const refused = await list(closed, closedKeys.secretLive);
    expect(refused.statusCode).toBe(503);
    expect(refused.json().error).toBe("service_unavailable");
    expect((await ready(closed)).status).toBe(503);

    redis = await startRedis();
    let recovered = false;
    for (let i = 0; i < 100 && !recovered; i++) {
      recovered = (await ready(closed)).status === 200;
      if (!recovered) await new Promise((r) => setTimeout(r, 100));
    }
    expect(recovered).toBe(true);
    expect((await list(closed, closedKeys.secretLive)).statusCode).toBe(200);
    await ready(open);
    expect((await ready(open)).body.checks.rateLimiter).toBe("ok");
    expect(logs.lines.filter((line) => line.includes("shared through Redis again"))).toHaveLength(1);
  }, 30_000);
});

describe.runIf(available)("revocation and latency while Redis is down or hung", () => {
  let redis: ChildProcess;
  const proxy = new FaultProxy(PORT);
  let closed: TestServer;

  beforeAll(async () => {
    redis = await startRedis();
    await proxy.start();
    const url = proxy.urlFor(URL_);
    closed = await createTestServer("sqlite", { FANFARE_REDIS_URL: url, FANFARE_RATE_LIMIT_FAILURE_MODE: "closed" });
  });
  afterAll(async () => {
    proxy.set("pass");
    await closed.close();
    await proxy.close();
    if (redis.exitCode === null) await stopRedis(redis);
  });

  it("a leaked key can be deactivated and deleted, and a session ended, with the limiter failing closed", async () => {
    const { keys } = await createTestOrganization(closed);
    const created = await call(closed.admin, "POST", "/api/v1/api-keys", {
      key: keys.secretLive,
      body: { name: "leaked", type: "secret" },
    });
    const leaked = created.json() as { id: string; key: string };
    const guest = await call(closed.consumer, "POST", "/api/v1/auth/guest", {
      headers: { "x-publishable-key": keys.publishableLive },
    });
    const { accessToken } = guest.json() as { accessToken: string };

    proxy.set("cut");
    const list = await call(closed.admin, "GET", "/api/v1/experiences", { key: keys.secretLive });
    expect(list.statusCode).toBe(503);
    const deactivated = await call(closed.admin, "POST", `/api/v1/api-keys/${leaked.id}/deactivate`, {
      key: keys.secretLive,
    });
    expect(deactivated.statusCode).toBe(200);
    expect((await call(closed.admin, "GET", "/api/v1/api-keys", { key: leaked.key })).statusCode).toBe(401);
    const deleted = await call(closed.admin, "DELETE", `/api/v1/api-keys/${leaked.id}`, { key: keys.secretLive });
    expect(deleted.statusCode).toBe(200);
    const loggedOut = await call(closed.consumer, "POST", "/api/v1/auth/logout", {
      headers: { "x-publishable-key": keys.publishableLive, authorization: `Bearer ${accessToken}` },
    });
    expect(loggedOut.statusCode).toBe(204);
    proxy.set("pass");
  }, 30_000);

  it("no request waits on a hung Redis: the limiter gives up within its timeout, a change's answer never waits on its broadcast", async () => {
    // The limiter is back once /readyz (which probes Redis) says so.
    const deadline = Date.now() + 10_000;
    while ((await closed.admin.inject({ method: "GET", url: "/readyz" })).statusCode !== 200) {
      if (Date.now() > deadline) throw new Error("the limiter did not reach Redis again");
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    const { keys } = await createTestOrganization(closed);
    const created = await call(closed.admin, "POST", "/api/v1/api-keys", {
      key: keys.secretLive,
      body: { name: "hung", type: "secret" },
    });
    const { id } = created.json() as { id: string };
    proxy.set("hang");
    // Deactivating again is a no-op change, but still one that must answer at once each time.
    for (let attempt = 0; attempt < 3; attempt++) {
      const startedAt = Date.now();
      const answer = await call(closed.admin, "POST", `/api/v1/api-keys/${id}/deactivate`, { key: keys.secretLive });
      expect(answer.statusCode).toBe(200);
      expect(Date.now() - startedAt).toBeLessThan(1000);
    }
    const startedAt = Date.now();
    expect((await call(closed.admin, "GET", "/api/v1/experiences", { key: keys.secretLive })).statusCode).toBe(503);
    expect(Date.now() - startedAt).toBeLessThan(1000);
    proxy.set("pass");
  }, 30_000);
});
