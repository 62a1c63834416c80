import { sql } from "kysely";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { openDatabase } from "../src/db/database.js";
import { migrateToLatest } from "../src/db/migrate.js";
import { preparedQuery } from "../src/db/prepared.js";
import { createOrganization } from "../src/modules/orgs/service.js";
import { createTestDatabase, createTestServer, dialects, type TestServer } from "./harness.js";

describe.each(dialects())("preparedQuery (%s)", (dialect) => {
  let server: TestServer;
  beforeAll(async () => {
    server = await createTestServer(dialect);
  });
  afterAll(() => server.close());

  it("compiles once and answers each call with that call's own arguments, constants kept", async () => {
    const { organization } = await createOrganization(server.deps, { name: "Prepared", plan: "pro" });
    const byKind = preparedQuery(2, (kysely, organizationId: string, kind: string) =>
      kysely
        .selectFrom("api_keys")
        .select(["kind", "mode"])
        .where("organization_id", "=", organizationId)
        .where("kind", "=", kind as "secret")
        .where("mode", "=", "test"),
    );
    expect(await byKind(server.deps.db, organization.id, "secret")).toEqual([{ kind: "secret", mode: "test" }]);
    expect(await byKind(server.deps.db, organization.id, "publishable")).toEqual([
      { kind: "publishable", mode: "test" },
    ]);
    expect(await byKind(server.deps.db, "org_other", "secret")).toEqual([]);
  });

  it("refuses a build that uses an argument as anything but a value", async () => {
    const misuse = preparedQuery(1, (kysely, _unused: string) => kysely.selectFrom("api_keys").select("id"));
    await expect(misuse(server.deps.db, "x")).rejects.toThrow("every argument must appear in the query as a value");
  });
});

describe.runIf(inject("postgres"))("statements on PostgreSQL", () => {
  it("prepares a parameterised query once per connection from its second use, and nothing used once", async () => {
    const database = await createTestDatabase("postgres");
    // One connection, so the session that prepared the statement is the one asked about it.
    const db = openDatabase({ databaseUrl: database.env.FANFARE_DATABASE_URL, dataDir: "", poolSize: 1 });
    try {
      await migrateToLatest(db);
      const byId = preparedQuery(1, (kysely, id: string) =>
        kysely.selectFrom("organizations").select("id").where("id", "=", id),
      );
      for (let i = 0; i < 3; i++) expect(await byId(db, `org_${i}`)).toEqual([]);
      const once = await db.kysely.selectFrom("members").select("id").where("email", "=", "once@example.com").execute();
      expect(once).toEqual([]);
      await db.kysely.transaction().execute(async (trx) => {
        await trx.selectFrom("members").select("id").where("id", "=", "mbr_x").execute();
      });

      const prepared = await sql<{ name: string; statement: string }>`
        select name, statement from pg_prepared_statements`.execute(db.kysely);
      const named = (fragment: string) => prepared.rows.filter((row) => row.statement.includes(fragment));
      expect(named('from "organizations"')).toHaveLength(1);
      expect(named('from "organizations"')[0]?.name).toMatch(/^fanfare_\d+$/);
      expect(named('from "members"')).toEqual([]);
      expect(named("begin")).toEqual([]);
      const count = await sql<{ n: number }>`select count(*) as n from organizations`.execute(db.kysely);
      expect(count.rows[0]?.n).toBe(0);
    } finally {
      await db.close();
      await database.drop();
    }
  });
});
