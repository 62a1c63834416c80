import { execFileSync } from "node:child_process";
import { chownSync, existsSync, mkdtempSync, readdirSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { sql } from "kysely";
import pg from "pg";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { openDatabase } from "../src/db/database.js";
import type { BootstrapKeys } from "../src/modules/orgs/service.js";
import { createTestOrganization, createTestServer, type TestServer } from "./harness.js";
import { call } from "./http.js";
import { reachable } from "./services.js";

/**
 * PostgreSQL stopped under a running server, then started again. The test runs its own cluster
 * on a private port (as the postgres user: the server refuses to run as root), so the shared
 * database other test files use is never disturbed.
 */
const VERSION = existsSync("/usr/lib/postgresql") ? readdirSync("/usr/lib/postgresql")[0] : undefined;
const BIN = VERSION ? `/usr/lib/postgresql/${VERSION}/bin` : "";
const PORT = 5439;
const URL_ = `postgres://postgres@127.0.0.1:${PORT}/postgres`;
const available = BIN !== "" && existsSync(`${BIN}/pg_ctl`) && process.getuid?.() === 0;
if (!available) console.log("[skip] PostgreSQL fault tests: needs root and a local PostgreSQL installation");

const asPostgres = (command: string, args: string[]) =>
  execFileSync("runuser", ["-u", "postgres", "--", `${BIN}/${command}`, ...args], { stdio: "ignore" });

describe.runIf(available)("serving while PostgreSQL stops and comes back", () => {
  const dataDir = mkdtempSync(join(tmpdir(), "fanfare-pg-"));
  let server: TestServer;
  let keys: BootstrapKeys;

  const startPostgres = async () => {
    const options = `-p ${PORT} -c listen_addresses=127.0.0.1 -k ${dataDir} -c fsync=off`;
    asPostgres("pg_ctl", ["-D", dataDir, "-o", options, "-l", join(dataDir, "log"), "-w", "start"]);
    for (let i = 0; i < 100 && !(await reachable(URL_, PORT)); i++) await new Promise((r) => setTimeout(r, 50));
  };
  const stopPostgres = () => asPostgres("pg_ctl", ["-D", dataDir, "-m", "immediate", "-w", "stop"]);

  beforeAll(async () => {
    chownSync(dataDir, Number(execFileSync("id", ["-u", "postgres"]).toString().trim()), 0);
    asPostgres("initdb", ["-D", dataDir, "-U", "postgres", "-A", "trust", "--no-sync"]);
    await startPostgres();
    server = await createTestServer("sqlite", { FANFARE_DATABASE_URL: URL_ });
    ({ keys } = await createTestOrganization(server));
  }, 60_000);
  afterAll(async () => {
    await server?.close().catch(() => {});
    try {
      stopPostgres();
    } catch {
      // Already stopped by a failed test.
    }
    rmSync(dataDir, { recursive: true, force: true });
  });

  const createKey = () =>
    call(server.admin, "POST", "/api/v1/api-keys", { key: keys.secretLive, body: { name: "during", type: "secret" } });
  const publicOrganization = () =>
    call(server.consumer, "GET", "/api/v1/organizations/current", {
      headers: { "x-publishable-key": keys.publishableLive },
    });

  it("answers 503 at once for what needs the database, keeps serving cached reads, and recovers by itself", async () => {
    expect(server.deps.db.dialect).toBe("postgres");
    // Warm: both keys verified and the organization cached.
    expect((await createKey()).statusCode).toBe(201);
    expect((await publicOrganization()).statusCode).toBe(200);

    stopPostgres();
    const started = Date.now();
    const refused = await createKey();
    expect(Date.now() - started).toBeLessThan(5_000);
    expect(refused.statusCode).toBe(503);
    expect(refused.json()).toEqual({
      error: "database_unavailable",
      message:
        "The database is temporarily out of reach: retry the request. A change cut off while it committed may have been made; entering a queue again gets the same place.",
    });
    expect(refused.headers["retry-after"]).toBeDefined();
    const ready = await server.admin.inject({ method: "GET", url: "/readyz" });
    expect(ready.statusCode).toBe(503);
    expect(ready.json().checks.database).toBe("unavailable");
    // Key verification and the organization come from memory: this read needs no database.
    expect((await publicOrganization()).statusCode).toBe(200);

    await startPostgres();
    let recovered = 0;
    for (let i = 0; i < 50 && recovered !== 201; i++) {
      recovered = (await createKey()).statusCode;
      if (recovered !== 201) await new Promise((r) => setTimeout(r, 100));
    }
    expect(recovered).toBe(201);
    expect((await server.admin.inject({ method: "GET", url: "/readyz" })).statusCode).toBe(200);
  }, 60_000);

  it("leaves a slow query running when PostgreSQL is alive but refuses new connections (too many clients)", async () => {
    const db = openDatabase({ databaseUrl: URL_, dataDir, poolSize: 1 });
    const held: pg.Client[] = [];
    try {
      expect(await db.ping()).toBe(true); // the pool's one connection, opened before the slots run out
      for (;;) {
        const client = new pg.Client({ connectionString: URL_ });
        const refused = await client.connect().then(
          () => undefined,
          (err: { code?: string }) => err.code,
        );
        if (refused) {
          expect(refused).toBe("53300");
          break;
        }
        held.push(client);
      }
      // Long enough for the circuit to ask PostgreSQL on a new connection, which it refuses with
      // an answer of its own: alive, so nothing is cut.
      const slow = await sql`select pg_sleep(1.5)`.execute(db.kysely);
      expect(slow.rows).toHaveLength(1);
    } finally {
      await Promise.all(held.map((client) => client.end()));
      await db.close();
    }
  }, 30_000);
});
