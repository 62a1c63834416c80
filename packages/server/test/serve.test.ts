import { afterEach, describe, expect, it } from "vitest";
import { loadConfig } from "../src/config.js";
import { createDeps } from "../src/deps.js";
import { keyDigest } from "../src/modules/keys/format.js";
import { findKeyByDigest } from "../src/modules/keys/store.js";
import { createTestDatabase, dialects, type TestDatabase } from "./harness.js";
import { startServerProcess } from "./process.js";

const KEY = /(pk|sk)_(live|test)_[0-9A-Za-z]{38}/g;

describe.each(dialects())("fanfare serve (%s)", (dialect) => {
  let database: TestDatabase;
  afterEach(() => database.drop());

  it("bootstraps a development organization once, serves both APIs, and exits 0 on SIGTERM", async () => {
    database = await createTestDatabase(dialect);
    const first = await startServerProcess(database.env, ["--dev-bootstrap"]);
    const printed = first.stdout().match(KEY) ?? [];
    expect(printed).toHaveLength(4);
    expect(first.stdout()).toContain("These keys are shown once");

    const [consumerHealth, adminReady] = await Promise.all([
      fetch(`${first.consumerUrl}/healthz`),
      fetch(`${first.adminUrl}/readyz`),
    ]);
    expect(consumerHealth.status).toBe(200);
    expect(await adminReady.json()).toEqual({ status: "ready", checks: { database: "ok" } });

    first.child.kill("SIGTERM");
    expect(await first.exited).toBe(0);
    expect(first.stdout()).toContain('"msg":"shutdown complete"');
    // The keys went to the terminal banner, never into a log line.
    const logLines = first
      .stdout()
      .split("\n")
      .filter((line) => line.startsWith("{"));
    for (const key of printed) expect(logLines.join("\n")).not.toContain(key);

    // The printed keys are real: their digests are in the database.
    const deps = createDeps(loadConfig(database.env));
    try {
      for (const key of printed) {
        const record = await findKeyByDigest(deps.db, keyDigest(deps.secrets["api-key-digest"], key));
        expect(record?.status).toBe("active");
      }
    } finally {
      await deps.close();
    }

    // A second start finds the organization and prints no keys.
    const second = await startServerProcess(database.env, ["--dev-bootstrap"]);
    expect(second.stdout().match(KEY)).toBeNull();
    second.child.kill("SIGINT");
    expect(await second.exited).toBe(0);
  });
});
