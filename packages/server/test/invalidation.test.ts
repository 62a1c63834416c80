import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import type { BootstrapKeys } from "../src/modules/orgs/service.js";
import { createTestDatabase, type TestDatabase } from "./harness.js";
import { runCli, type ServerProcess, startServerProcess, stopAll } from "./process.js";
import { REDIS_URL } from "./services.js";

// "redis down": Redis is configured but refuses every connection; PostgreSQL's NOTIFY carries the events alone.
const transports = inject("postgres") ? ["postgres", "redis down", ...(inject("redis") ? ["redis"] : [])] : [];
const REDIS_BY_TRANSPORT: Record<string, Record<string, string>> = {
  postgres: {},
  "redis down": { FANFARE_REDIS_URL: "redis://127.0.0.1:1" },
  redis: { FANFARE_REDIS_URL: REDIS_URL },
};

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
  let env: Record<string, string>;
  let organizationId: string;
  let keys: BootstrapKeys;
  let a: ServerProcess;
  let b: ServerProcess;

  beforeAll(async () => {
    database = await createTestDatabase("postgres");
    env = { ...database.env, ...REDIS_BY_TRANSPORT[transport] };
    ({ organizationId, keys } = JSON.parse(runCli(["init", "--name", "Two Nodes", "--json"], env).stdout));
    [a, b] = await Promise.all([startServerProcess(env), startServerProcess(env)]);
  }, 60_000);
  afterAll(async () => {
    await stopAll([a, b].filter(Boolean));
    await database.drop();
  });

  it("a key deactivated or regenerated through process A is refused by process B within 1 s", async () => {
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

  it("a plan changed by the CLI applies on every serving process within 1 s", async () => {
    const limitOn = async (base: string) =>
      (await fetch(`${base}/api/v1/api-keys`, { headers: { authorization: `Bearer ${keys.secretLive}` } })).headers.get(
        "x-ratelimit-limit",
      );
    const before = await limitOn(a.adminUrl);
    expect(await limitOn(b.adminUrl)).toBe(before); // the organization cached on both

    const changed = runCli(["orgs", "set-plan", organizationId, "enterprise", "--limit", "12345"], env);
    expect(changed.status).toBe(0);
    const noticed = Date.now();
    for (const server of [a, b]) {
      await timeUntil(async () => (await limitOn(server.adminUrl)) === "12345", 1000);
    }
    expect(Date.now() - noticed).toBeLessThan(1000);
  });

  it("an experience renamed or deleted through process A reads so on process B within 1 s", async () => {
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
