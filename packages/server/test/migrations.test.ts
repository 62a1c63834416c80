import { describe, expect, inject, it } from "vitest";
import { loadConfig } from "../src/config.js";
import { migrateToLatest } from "../src/db/migrate.js";
import { migrations } from "../src/db/migrations/index.js";
import { createDeps } from "../src/deps.js";
import { createTestDatabase } from "./harness.js";

describe.runIf(inject("postgres"))("migrations on PostgreSQL", () => {
  it("migrate two schemas of one database independently", async () => {
    const first = await createTestDatabase("postgres");
    const second = await createTestDatabase("postgres");
    const a = createDeps(loadConfig(first.env));
    const b = createDeps(loadConfig(second.env));
    try {
      const all = Object.keys(migrations);
      expect((await migrateToLatest(a.db)).applied).toEqual(all);
      // The second schema must not mistake the first one's bookkeeping tables for its own.
      expect((await migrateToLatest(b.db)).applied).toEqual(all);
      expect((await migrateToLatest(b.db)).applied).toEqual([]);
    } finally {
      await a.close();
      await b.close();
      await first.drop();
      await second.drop();
    }
  });
});
