import { copyFileSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import SqliteDatabase from "better-sqlite3";
import { afterEach, describe, expect, it } from "vitest";
import { createTestOrganization, createTestServer, type TestServer } from "./harness.js";

/**
 * Consumers in the database file alone, as if its write-ahead log were gone (0 if the copy caught
 * a checkpoint half way).
 */
function consumersInMainFile(dataDir: string): number {
  const copy = mkdtempSync(join(tmpdir(), "fanfare-main-file-"));
  try {
    copyFileSync(join(dataDir, "fanfare.db"), join(copy, "fanfare.db"));
    const database = new SqliteDatabase(join(copy, "fanfare.db"));
    try {
      return (database.prepare("select count(*) as n from consumers").get() as { n: number }).n;
    } catch {
      return 0;
    } finally {
      database.close();
    }
  } finally {
    rmSync(copy, { recursive: true, force: true });
  }
}

describe("SQLite checkpoints (off the event loop)", () => {
  let server: TestServer;

  afterEach(async () => {
    await server.close();
  });

  it("copies committed writes into the database file without a commit crossing SQLite's threshold", async () => {
    server = await createTestServer("sqlite");
    const org = await createTestOrganization(server);
    const guests = await Promise.all(
      Array.from({ length: 30 }, (_, i) =>
        server.consumer.inject({
          method: "POST",
          url: "/api/v1/auth/guest",
          headers: { "x-publishable-key": org.keys.publishableLive },
          remoteAddress: `198.51.100.${i}`,
        }),
      ),
    );
    expect(guests.every((response) => response.statusCode === 200)).toBe(true);
    // A few pages of log: far below the 1,000 at which a committing writer would checkpoint.
    let inFile = consumersInMainFile(server.config.dataDir);
    for (let waited = 0; inFile < 30 && waited < 5_000; waited += 50) {
      await new Promise((resolve) => setTimeout(resolve, 50));
      inFile = consumersInMainFile(server.config.dataDir);
    }
    expect(inFile).toBe(30);
  });
});
