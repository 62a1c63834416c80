import { afterEach, describe, expect, inject, it } from "vitest";
import { createTestDatabase, type TestDatabase } from "./harness.js";
import { runCli, type ServerProcess, startServerProcess, stopAll } from "./process.js";
import { REDIS_URL } from "./services.js";

const transports = inject("postgres") ? ["postgres", ...(inject("redis") ? ["redis"] : [])] : [];

async function timeUntil(check: () => Promise<boolean>, limitMs: number): Promise<number> {
  const started = Date.now();
  while (Date.now() - started < limitMs) {
    if (await check()) return Date.now() - started;
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
  throw new Error(`condition not met within ${limitMs} ms`);
}

describe.each(transports)("key changes reach every server process (%s)", (transport) => {
  let database: TestDatabase;
  const servers: ServerProcess[] = [];

  afterEach(async () => {
    await stopAll(servers);
    await database.drop();
  });

  it("a key deactivated or regenerated through process A is refused by process B within 1 s", async () => {
    database = await createTestDatabase("postgres");
    const env = { ...database.env, ...(transport === "redis" ? { FANFARE_REDIS_URL: REDIS_URL } : {}) };
    const { keys } = JSON.parse(runCli(["init", "--name", "Two Nodes", "--json"], env).stdout);
    const [a, b] = await Promise.all([startServerProcess(env), startServerProcess(env)]);
    servers.push(a, b);
    const admin = (base: string, method: string, path: string, key: string, body?: unknown) =>
      fetch(`${base}/api/v1${path}`, {
        method,
        headers: { authorization: `Bearer ${key}`, ...(body ? { "content-type": "application/json" } : {}) },
        ...(body ? { body: JSON.stringify(body) } : {}),
      });

    const created = (await (
      await admin(a.adminUrl, "POST", "/api-keys", keys.secretLive, { name: "shared", type: "secret" })
    ).json()) as { id: string; key: string };
    expect((await admin(b.adminUrl, "GET", "/api-keys", created.key)).status).toBe(200); // cached on B

    expect((await admin(a.adminUrl, "POST", `/api-keys/${created.id}/deactivate`, keys.secretLive)).status).toBe(200);
    const deactivation = await timeUntil(
      async () => (await admin(b.adminUrl, "GET", "/api-keys", created.key)).status === 401,
      1000,
    );
    expect(deactivation).toBeLessThan(1000);

    await admin(a.adminUrl, "POST", `/api-keys/${created.id}/activate`, keys.secretLive);
    await timeUntil(async () => (await admin(b.adminUrl, "GET", "/api-keys", created.key)).status === 200, 1000);
    const rotated = await admin(a.adminUrl, "POST", `/api-keys/${created.id}/regenerate`, keys.secretLive);
    expect(rotated.status).toBe(200);
    const regeneration = await timeUntil(
      async () => (await admin(b.adminUrl, "GET", "/api-keys", created.key)).status === 401,
      1000,
    );
    expect(regeneration).toBeLessThan(1000);
  });

  it("a session logged out through process A is refused by process B within 1 s", async () => {
    database = await createTestDatabase("postgres");
    const env = { ...database.env, ...(transport === "redis" ? { FANFARE_REDIS_URL: REDIS_URL } : {}) };
    const { keys } = JSON.parse(runCli(["init", "--name", "Two Nodes", "--json"], env).stdout);
    const [a, b] = await Promise.all([startServerProcess(env), startServerProcess(env)]);
    servers.push(a, b);
    const guest = await fetch(`${a.consumerUrl}/api/v1/auth/guest`, {
      method: "POST",
      headers: { "x-publishable-key": keys.publishableLive },
    });
    const { accessToken } = (await guest.json()) as { accessToken: string };
    const sessionsOn = (base: string) =>
      fetch(`${base}/api/v1/auth/sessions`, { headers: { authorization: `Bearer ${accessToken}` } });
    expect((await sessionsOn(b.consumerUrl)).status).toBe(200); // verified and cached on B

    const logout = await fetch(`${a.consumerUrl}/api/v1/auth/logout`, {
      method: "POST",
      headers: { authorization: `Bearer ${accessToken}` },
    });
    expect(logout.status).toBe(204);
    const elapsed = await timeUntil(async () => (await sessionsOn(b.consumerUrl)).status === 401, 1000);
    expect(elapsed).toBeLessThan(1000);
  });

  it("an experience renamed or deleted through process A reads so on process B within 1 s", async () => {
    database = await createTestDatabase("postgres");
    const env = { ...database.env, ...(transport === "redis" ? { FANFARE_REDIS_URL: REDIS_URL } : {}) };
    const { keys } = JSON.parse(runCli(["init", "--name", "Two Nodes", "--json"], env).stdout);
    const [a, b] = await Promise.all([startServerProcess(env), startServerProcess(env)]);
    servers.push(a, b);
    const secret = { authorization: `Bearer ${keys.secretLive}`, "content-type": "application/json" };
    const created = (await (
      await fetch(`${a.adminUrl}/api/v1/experiences`, {
        method: "POST",
        headers: secret,
        body: JSON.stringify({ name: "Before" }),
      })
    ).json()) as { id: string };
    const readOn = async (base: string, headers: Record<string, string>) => {
      const response = await fetch(`${base}/api/v1/experiences/${created.id}`, { headers });
      return response.status === 200 ? ((await response.json()) as { name: string }).name : response.status;
    };
    const publishable = { "x-publishable-key": keys.publishableLive };
    expect(await readOn(b.adminUrl, secret)).toBe("Before"); // cached on B
    expect(await readOn(b.consumerUrl, publishable)).toBe("Before");

    const renamed = await fetch(`${a.adminUrl}/api/v1/experiences/${created.id}`, {
      method: "PATCH",
      headers: secret,
      body: JSON.stringify({ name: "After" }),
    });
    expect(renamed.status).toBe(200);
    const rename = await timeUntil(async () => (await readOn(b.adminUrl, secret)) === "After", 1000);
    expect(rename).toBeLessThan(1000);
    expect(await readOn(b.consumerUrl, publishable)).toBe("After");

    const deleted = await fetch(`${a.adminUrl}/api/v1/experiences/${created.id}`, {
      method: "DELETE",
      headers: { authorization: secret.authorization },
    });
    expect(deleted.status).toBe(200);
    const deletion = await timeUntil(async () => (await readOn(b.consumerUrl, publishable)) === 404, 1000);
    expect(deletion).toBeLessThan(1000);
  });
});
