import { type ChildProcess, spawn } from "node:child_process";
import { once } from "node:events";
import { existsSync } from "node:fs";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { createTestOrganization, createTestServer, type TestServer } from "./harness.js";
import { call } from "./http.js";
import { reachable } from "./services.js";

/**
 * Redis is killed and restarted under a running server. The test runs its own redis-server on a
 * private port, so the shared one other test files use is never disturbed.
 */
const REDIS_BINARY = "/usr/bin/redis-server";
const PORT = 6391;
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
      body: { status: "ready", checks: { database: "ok", rateLimiter: "degraded", codeDelivery: "ok" } },
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
