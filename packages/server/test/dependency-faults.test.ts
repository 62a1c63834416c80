import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { FaultProxy } from "./fault-proxy.js";
import type { ServerProcess } from "./process.js";
import { type ProxiedServer, serveThroughProxy } from "./proxied-server.js";
import { until } from "./until.js";

const withPostgres = inject("postgres");
if (!withPostgres) console.log("[skip] dependency fault tests: PostgreSQL is not reachable");

/**
 * `fanfare serve` as in production (webhook dispatcher, flushes, sweeps and alert evaluation all
 * running) with PostgreSQL behind a proxy the test cuts: the process must outlive the outage.
 */
describe.runIf(withPostgres)("a real server process through a PostgreSQL outage", () => {
  const proxy = new FaultProxy(5432);
  let proxied: ProxiedServer | undefined;
  let server: ServerProcess;
  let secretKey = "";
  let publishableKey = "";

  beforeAll(async () => {
    proxied = await serveThroughProxy(proxy, "Outage", { FANFARE_USAGE_FLUSH_MS: "100" });
    ({ server, secretKey, publishableKey } = proxied);
  }, 60_000);
  afterAll(() => proxied?.stop());

  const createKey = () =>
    fetch(`${server.adminUrl}/api/v1/api-keys`, {
      method: "POST",
      headers: { authorization: `Bearer ${secretKey}`, "content-type": "application/json" },
      body: JSON.stringify({ name: "during", type: "secret" }),
    });

  it("stays up with every background task failing, logs the outage once per task, and recovers", async () => {
    expect((await createKey()).status).toBe(201);
    proxy.set("cut");
    // Long enough for the dispatcher (every second) and the flushes (every 100 ms) to fail many times.
    await until("the webhook dispatcher to notice", () => server.stdout().includes("webhook delivery failing"), 10_000);
    const refused = await createKey();
    expect(refused.status).toBe(503);
    // The flushes with counts to write have failed too; the process has outlived them all.
    for (const task of ["usage flush", "last-used flush"]) {
      await until(`the ${task} to fail`, () => server.stdout().includes(`"task":"${task}"`), 10_000);
    }
    expect(server.child.exitCode).toBeNull();
    const failing = server
      .stdout()
      .split("\n")
      .filter((line) => line.includes("failing; retrying with backoff"));
    const tasks = failing.map((line) => JSON.parse(line).task as string);
    expect(new Set(tasks).size).toBe(tasks.length);

    proxy.set("pass");
    await until("a key creation to succeed again", async () => (await createKey()).status === 201, 10_000);
    await until(
      "the dispatcher to report recovery",
      () => server.stdout().includes("webhook delivery working again"),
      10_000,
    );
    expect(server.child.exitCode).toBeNull();
    // Every failure was handled where it happened: none reached the process-level net.
    const metrics = await (await fetch(`${server.adminUrl}/metrics`)).text();
    expect(metrics).toMatch(/^fanfare_unhandled_rejections_total 0$/m);
  }, 60_000);

  const timed = async (request: () => Promise<Response>) => {
    const started = Date.now();
    const response = await request();
    return { status: response.status, body: await response.text(), ms: Date.now() - started };
  };
  const publicOrganization = () =>
    fetch(`${server.consumerUrl}/api/v1/organizations/current`, {
      headers: { "x-publishable-key": publishableKey },
    });

  it.each(["hang", "cut"] as const)(
    "answers 503 within 2 s while PostgreSQL is %s, serves cached reads, and is back within 2 s",
    async (mode) => {
      expect((await createKey()).status).toBe(201);
      expect((await publicOrganization()).status).toBe(200);
      const logBefore = server.stdout().length;
      proxy.set(mode);
      // More requests than the pool has connections: none waits behind the others.
      const refused = await Promise.all(Array.from({ length: 25 }, () => timed(createKey)));
      for (const answer of refused) {
        expect(answer.status).toBe(503);
        expect(JSON.parse(answer.body).error).toBe("database_unavailable");
        expect(answer.ms).toBeLessThan(2_000);
      }
      const ready = await timed(() => fetch(`${server.adminUrl}/readyz`));
      expect(ready.status).toBe(503);
      expect(ready.ms).toBeLessThan(2_000);
      // Once PostgreSQL is known out of reach, refused requests leave nothing queued in the pool,
      // which would otherwise open a connection for each of them on PostgreSQL's return.
      const waitingQueries = async () =>
        Number(
          /^fanfare_db_pool_waiting_queries (\d+)$/m.exec(
            await (await fetch(`${server.adminUrl}/metrics`)).text(),
          )?.[1],
        );
      const queuedAtTrip = await waitingQueries();
      await Promise.all(Array.from({ length: 10 }, () => createKey()));
      expect(await waitingQueries()).toBeLessThanOrEqual(queuedAtTrip);
      // The key and the organization come from memory: this read needs no database.
      expect((await publicOrganization()).status).toBe(200);

      proxy.set("pass");
      const restored = Date.now();
      await until("a key creation to succeed again", async () => (await createKey()).status === 201, 2_000);
      expect(Date.now() - restored).toBeLessThan(2_000);
      expect((await fetch(`${server.adminUrl}/readyz`)).status).toBe(200);
      expect(server.child.exitCode).toBeNull();
      // One line when PostgreSQL went away and one when it came back, not one per request.
      const logged = () => server.stdout().slice(logBefore);
      await until("the recovery to be logged", () => logged().includes('"PostgreSQL working again"'), 2_000);
      expect(logged().split('"PostgreSQL failing; retrying with backoff"')).toHaveLength(2);
    },
    30_000,
  );
});
