import { Migrator, sql } from "kysely";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { loadConfig } from "../src/config.js";
import { migrateToLatest } from "../src/db/migrate.js";
import { WARNING_CODE } from "../src/db/migrations/0014-normalize-emails.js";
import { migrations } from "../src/db/migrations/index.js";
import { createDeps, type Deps } from "../src/deps.js";
import { createTestDatabase, dialects, type TestDatabase } from "./harness.js";

/** Emails stored before there was one normalisation are brought to it; none is merged silently. */
describe.each(dialects())("migration 0014: one email normalisation (%s)", (dialect) => {
  let database: TestDatabase;
  let deps: Deps;
  const warnings: Error[] = [];
  const collect = (warning: Error) => warnings.push(warning);

  beforeEach(async () => {
    database = await createTestDatabase(dialect);
    // No usage flush timer: it would query tables this test has not created yet.
    deps = createDeps(loadConfig({ ...database.env, FANFARE_USAGE_FLUSH_MS: "60000" }));
    warnings.length = 0;
    process.on("warning", collect);
  });
  afterEach(async () => {
    process.off("warning", collect);
    await deps.close();
    await database.drop();
  });

  /** The schema as it was before 0014, as on a server that ran the previous release. */
  async function migrateToPreviousRelease(): Promise<void> {
    const db = deps.db.kysely;
    const previous = Object.fromEntries(Object.entries(migrations).filter(([name]) => name < "0014"));
    const schema =
      dialect === "postgres"
        ? (await sql<{ s: string }>`select current_schema() as s`.execute(db)).rows[0]?.s
        : undefined;
    const migrator = new Migrator({
      db,
      provider: { getMigrations: async () => previous },
      ...(schema ? { migrationTableSchema: schema } : {}),
    });
    const { error } = await migrator.migrateToLatest();
    expect(error).toBeUndefined();
  }

  it("normalises stored emails, and leaves and reports (by id only) those another row already holds", async () => {
    await migrateToPreviousRelease();
    const at = new Date(0).toISOString();
    // The organization row as that release wrote it (today's store writes columns added since).
    const organization = { id: "org_shop" };
    await deps.db.kysely
      .insertInto("organizations")
      .values({
        id: organization.id,
        name: "Shop",
        slug: "shop",
        plan: "pro",
        rate_limit_per_minute: null,
        access_token_ttl_seconds: 900,
        refresh_token_ttl_seconds: 2_592_000,
        allowed_origins: "[]",
        sms_allowed_countries: "[]",
        otp_webhook_url: null,
        otp_webhook_secret_sealed: null,
        created_at: at,
        updated_at: at,
      } as never)
      .execute();
    const consumer = (id: string, email: string, mode: "live" | "test" = "live") => ({
      id,
      organization_id: organization.id,
      mode,
      kind: "consumer" as const,
      email,
      phone: null,
      full_name: null,
      name: null,
      upgraded_to: null,
      created_at: at,
      updated_at: at,
    });
    await deps.db.kysely
      .insertInto("consumers")
      .values([
        // Code sign-in kept the local part's case; an external claim lowercased it: one person, two rows.
        consumer("cons_code", "Jane.Doe@example.com"),
        consumer("cons_claim", "jane.doe@example.com"),
        consumer("cons_alone", " Solo@Example.COM"),
        // Another mode is another scope: nothing to collide with there.
        consumer("cons_test", "Jane.Doe@example.com", "test"),
      ])
      .execute();
    await deps.db.kysely
      .insertInto("members")
      .values({
        id: "mbr_1",
        organization_id: organization.id,
        email: "Owner@Example.com",
        role: "owner",
        created_at: at,
      })
      .execute();

    expect((await migrateToLatest(deps.db)).applied).toContain("0014-normalize-emails");
    await new Promise((resolve) => setImmediate(resolve));

    const emails = await deps.db.kysely.selectFrom("consumers").select(["id", "email"]).orderBy("id").execute();
    expect(emails).toEqual([
      { id: "cons_alone", email: "solo@example.com" },
      { id: "cons_claim", email: "jane.doe@example.com" },
      { id: "cons_code", email: "Jane.Doe@example.com" },
      { id: "cons_test", email: "jane.doe@example.com" },
    ]);
    const member = await deps.db.kysely.selectFrom("members").select("email").executeTakeFirstOrThrow();
    expect(member.email).toBe("owner@example.com");

    const reported = warnings.filter((warning) => (warning as Error & { code?: string }).code === WARNING_CODE);
    expect(reported).toHaveLength(1);
    expect(reported[0]?.message).toContain('{"id":"cons_code"}');
    expect(reported[0]?.message).not.toMatch(/jane|example/i);
  });
});
