import { afterEach, describe, expect, it } from "vitest";
import { createTestDatabase, dialects, type TestDatabase } from "./harness.js";
import { runCli, type ServerProcess, startServerProcess } from "./process.js";

interface Acknowledged {
  keyIds: string[];
  entries: { consumerToken: string; position: number }[];
}

/**
 * `kill -9` in the middle of a burst of writes: whatever the server answered with a 2xx must be
 * in the database after a restart. Nothing is acknowledged before its transaction commits.
 */
describe.each(dialects())("a server killed with SIGKILL during a burst of writes (%s)", (dialect) => {
  let database: TestDatabase;
  let servers: ServerProcess[] = [];

  afterEach(async () => {
    for (const server of servers) server.child.kill("SIGKILL");
    servers = [];
    await database.drop();
  });

  const json = { "content-type": "application/json" };

  it("keeps every acknowledged key creation and queue entry", async () => {
    database = await createTestDatabase(dialect);
    const init = runCli(
      ["init", "--name", "Crash", "--plan", "enterprise", "--limit", "1000000", "--json"],
      database.env,
    );
    expect(init.status).toBe(0);
    const { keys } = JSON.parse(init.stdout) as { keys: Record<string, string> };
    const secret = { authorization: `Bearer ${keys.secretLive}`, ...json };
    const publishable = { "x-publishable-key": keys.publishableLive as string, ...json };

    const first = await startServerProcess({ ...database.env, FANFARE_LOG_LEVEL: "error" });
    servers.push(first);
    const post = (base: string, path: string, headers: Record<string, string>, body: unknown = {}) =>
      fetch(`${base}${path}`, { method: "POST", headers, body: JSON.stringify(body) });
    // biome-ignore lint/suspicious/noExplicitAny: response bodies are read by field, checked by the assertions.
    const read = async (response: Response): Promise<any> => response.json();
    const experience = await read(await post(first.adminUrl, "/api/v1/experiences", secret, { name: "Drop" }));
    const queue = await read(
      await post(first.adminUrl, `/api/v1/experiences/${experience.id}/queues`, secret, {
        name: "Line",
        status: "OPEN",
      }),
    );
    const guests: string[] = [];
    for (let i = 0; i < 60; i++) {
      guests.push((await read(await post(first.consumerUrl, "/api/v1/auth/guest", publishable))).accessToken);
    }

    const acknowledged: Acknowledged = { keyIds: [], entries: [] };
    const keyWrites = Array.from({ length: 120 }, (_, i) => async () => {
      const response = await post(first.adminUrl, "/api/v1/api-keys", secret, { name: `burst ${i}`, type: "secret" });
      if (response.ok) acknowledged.keyIds.push((await read(response)).id);
    });
    const entries = guests.map((token) => async () => {
      const response = await post(first.consumerUrl, `/api/v1/queues/${queue.id}/enter`, {
        authorization: `Bearer ${token}`,
        ...json,
      });
      if (response.ok) acknowledged.entries.push({ consumerToken: token, position: (await read(response)).position });
    });
    // Both kinds interleaved, the same way every run, so that the kill finds both in flight.
    const writes = Array.from({ length: Math.max(keyWrites.length, entries.length) }, (_, i) => [
      keyWrites[i],
      entries[i],
    ])
      .flat()
      .filter((write) => write !== undefined);

    // Fire everything at once and kill the process while the writes are in flight.
    const settled = Promise.allSettled(writes.map((write) => write()));
    while (acknowledged.keyIds.length + acknowledged.entries.length < 20) {
      await new Promise((resolve) => setTimeout(resolve, 2));
    }
    first.child.kill("SIGKILL");
    await first.exited;
    await settled;
    expect(acknowledged.keyIds.length + acknowledged.entries.length).toBeLessThan(writes.length);

    const second = await startServerProcess({ ...database.env, FANFARE_LOG_LEVEL: "error" });
    servers.push(second);
    for (const id of acknowledged.keyIds) {
      const response = await fetch(`${second.adminUrl}/api/v1/api-keys/${id}`, { headers: secret });
      expect(response.status, id).toBe(200);
    }
    for (const entry of acknowledged.entries) {
      const response = await fetch(`${second.consumerUrl}/api/v1/queues/${queue.id}/status`, {
        headers: { authorization: `Bearer ${entry.consumerToken}` },
      });
      expect(response.status).toBe(200);
      expect((await read(response)).position).toBe(entry.position);
    }
  }, 120_000);
});
