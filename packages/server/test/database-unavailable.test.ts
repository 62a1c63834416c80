import { tmpdir } from "node:os";
import { sql } from "kysely";
import pg from "pg";
import { describe, expect, inject, it } from "vitest";
import { openDatabase } from "../src/db/database.js";
import { isDatabaseUnavailable } from "../src/db/unavailable.js";
import { POSTGRES_URL } from "./services.js";

describe("telling an unavailable database from a bug", () => {
  it("recognises a refused connection", async () => {
    const pool = new pg.Pool({
      connectionString: "postgres://postgres@127.0.0.1:1/test",
      connectionTimeoutMillis: 2000,
    });
    const error = await pool.connect().catch((err: unknown) => err);
    await pool.end();
    expect(isDatabaseUnavailable(error)).toBe(true);
    expect(isDatabaseUnavailable(new Error("column does not exist"))).toBe(false);
    expect(isDatabaseUnavailable("ECONNREFUSED")).toBe(false);
  });

  it.runIf(inject("postgres"))("recognises a saturated pool", async () => {
    const pool = new pg.Pool({ connectionString: POSTGRES_URL, max: 1, connectionTimeoutMillis: 100 });
    const held = await pool.connect();
    const error = await pool.connect().catch((err: unknown) => err);
    held.release();
    await pool.end();
    expect(isDatabaseUnavailable(error)).toBe(true);
  });

  it.runIf(inject("postgres"))("waits for a slow query on a live database instead of refusing it", async () => {
    const db = openDatabase({ databaseUrl: POSTGRES_URL, dataDir: tmpdir(), poolSize: 2 });
    try {
      // Longer than the circuit's stall threshold with nothing else settling: PostgreSQL is asked
      // directly, answers, and the query is left to finish.
      const slow = await sql<{ slept: string }>`select pg_sleep(1.5)::text as slept`.execute(db.kysely);
      expect(slow.rows).toHaveLength(1);
      expect(await db.ping()).toBe(true);
    } finally {
      await db.close();
    }
  });
});
