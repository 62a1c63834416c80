import { afterEach, describe, expect, inject, it } from "vitest";
import { createTestDatabase, type TestDatabase } from "./harness.js";
import { runCli, type ServerProcess, startServerProcess, stopAll } from "./process.js";
import { REDIS_URL } from "./services.js";

const both = inject("postgres") && inject("redis");
if (!both) console.log("[skip] two-process rate limits: needs PostgreSQL and Redis");

describe.runIf(both)("rate limits shared by two server processes through Redis", () => {
  let database: TestDatabase;
  const servers: ServerProcess[] = [];

  afterEach(async () => {
    await stopAll(servers);
    await database.drop();
  });

  it("enforces one combined limit: 100 requests a minute on the free plan, whichever process serves them", async () => {
    database = await createTestDatabase("postgres");
    const env = { ...database.env, FANFARE_REDIS_URL: REDIS_URL };
    const { organizationId, keys } = JSON.parse(runCli(["init", "--name", "Two Nodes", "--json"], env).stdout);
    runCli(["orgs", "set-plan", organizationId, "free"], env);
    const [a, b] = await Promise.all([startServerProcess(env), startServerProcess(env)]);
    servers.push(a, b);

    // Real clocks here: start well inside a minute so the burst does not straddle a window edge.
    const intoMinute = Date.now() % 60_000;
    if (intoMinute > 45_000) await new Promise((resolve) => setTimeout(resolve, 60_000 - intoMinute + 100));
    const statuses: number[] = [];
    for (let i = 0; i < 120; i++) {
      const base = i % 2 === 0 ? a.adminUrl : b.adminUrl;
      const response = await fetch(`${base}/api/v1/experiences`, {
        headers: { authorization: `Bearer ${keys.secretLive}` },
      });
      statuses.push(response.status);
    }
    expect(statuses.filter((status) => status === 200)).toHaveLength(100);
    expect(statuses.filter((status) => status === 429)).toHaveLength(20);
  }, 90_000);
});
