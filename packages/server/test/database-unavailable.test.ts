import pg from "pg";
import { describe, expect, inject, it } from "vitest";
import { isDatabaseUnavailable } from "../src/db/database.js";
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
});
