import { afterEach, describe, expect, it } from "vitest";
import { loadConfig } from "../src/config.js";
import { createDeps } from "../src/deps.js";
import { parseKey } from "../src/modules/keys/format.js";
import { createTestDatabase, dialects, type TestDatabase } from "./harness.js";
import { runCli, startServerProcess, stopAll } from "./process.js";

describe.each(dialects())("fanfare CLI (%s)", (dialect) => {
  let database: TestDatabase;
  afterEach(() => database.drop());

  it("init --json prints exactly the organization id and the four keys", async () => {
    database = await createTestDatabase(dialect);
    const result = runCli(["init", "--name", "Acme", "--plan", "pro", "--json"], database.env);
    expect(result.stderr).not.toMatch(/error/i);
    expect(result.status).toBe(0);
    const output = JSON.parse(result.stdout) as { organizationId: string; keys: Record<string, string> };
    expect(Object.keys(output)).toEqual(["organizationId", "keys"]);
    expect(Object.keys(output.keys)).toEqual(["publishableLive", "secretLive", "publishableTest", "secretTest"]);
    expect(output.organizationId).toMatch(/^org_[0-9A-Z]{26}$/);
    expect(parseKey(output.keys.publishableLive ?? "")).toMatchObject({ kind: "publishable", mode: "live" });
    expect(parseKey(output.keys.secretLive ?? "")).toMatchObject({ kind: "secret", mode: "live" });
    expect(parseKey(output.keys.publishableTest ?? "")).toMatchObject({ kind: "publishable", mode: "test" });
    expect(parseKey(output.keys.secretTest ?? "")).toMatchObject({ kind: "secret", mode: "test" });

    const list = runCli(["orgs", "list", "--json"], database.env);
    expect(list.status).toBe(0);
    const organizations = JSON.parse(list.stdout) as { id: string; plan: string }[];
    expect(organizations).toEqual([expect.objectContaining({ id: output.organizationId, plan: "pro" })]);
    // Listing never shows a key again.
    for (const key of Object.values(output.keys)) expect(list.stdout).not.toContain(key);
  });

  it("init --owner-email makes the first dashboard owner, and refuses a taken email before creating anything", async () => {
    database = await createTestDatabase(dialect);
    const args = ["init", "--name", "Owned", "--owner-email", "Founder@Example.com", "--json"];
    const result = runCli(args, database.env);
    expect(result.status).toBe(0);
    const output = JSON.parse(result.stdout) as { organizationId: string; ownerMemberId: string };
    expect(output.ownerMemberId).toMatch(/^mbr_/);

    const taken = runCli(["init", "--name", "Second", "--owner-email", "founder@example.com"], database.env);
    expect(taken.status).toBe(1);
    expect(taken.stderr).toContain("founder@example.com is already a member of an organization.");
    const list = JSON.parse(runCli(["orgs", "list", "--json"], database.env).stdout) as unknown[];
    expect(list).toHaveLength(1);

    const malformed = runCli(["init", "--name", "Third", "--owner-email", "not-an-email"], database.env);
    expect(malformed.status).toBe(1);
    expect(malformed.stderr).toContain("Invalid email address.");
  });

  it("orgs set-plan changes the plan and insists on --limit for enterprise", async () => {
    database = await createTestDatabase(dialect);
    const { organizationId } = JSON.parse(runCli(["init", "--name", "Planner", "--json"], database.env).stdout);

    const missingLimit = runCli(["orgs", "set-plan", organizationId, "enterprise"], database.env);
    expect(missingLimit.status).toBe(1);
    expect(missingLimit.stderr).toContain("rateLimitPerMinute must be a positive whole number");
    expect(missingLimit.stderr).not.toContain("    at ");

    const ok = runCli(["orgs", "set-plan", organizationId, "enterprise", "--limit", "25000"], database.env);
    expect(ok.status).toBe(0);
    expect(ok.stdout).toContain("enterprise plan at 25000 requests/minute");
    const list = runCli(["orgs", "list"], database.env);
    expect(list.stdout).toContain(`${organizationId}  planner  enterprise (25000/min)  Planner`);

    const unknown = runCli(["orgs", "set-plan", "org_nope", "pro"], database.env);
    expect(unknown.status).toBe(1);
    expect(unknown.stderr).toContain("Organization org_nope not found");
  });

  it("orgs set-plan and init --plan enterprise take effect on a running server within a second", async () => {
    database = await createTestDatabase(dialect);
    const created = runCli(
      ["init", "--name", "Big", "--plan", "enterprise", "--limit", "20000", "--json"],
      database.env,
    );
    expect(created.status).toBe(0);
    const { organizationId, keys } = JSON.parse(created.stdout);
    const server = await startServerProcess(database.env);
    try {
      const limitSeen = async () =>
        (
          await fetch(`${server.adminUrl}/api/v1/organization`, {
            headers: { authorization: `Bearer ${keys.secretLive}` },
          })
        ).headers.get("x-ratelimit-limit");
      expect(await limitSeen()).toBe("20000");
      expect(runCli(["orgs", "set-plan", organizationId, "basic"], database.env).status).toBe(0);
      const changedAt = Date.now();
      while ((await limitSeen()) === "20000" && Date.now() - changedAt < 5000) {
        await new Promise((resolve) => setTimeout(resolve, 25));
      }
      expect(Date.now() - changedAt).toBeLessThan(1000);
      expect(await limitSeen()).toBe("1000");
    } finally {
      await stopAll([server]);
    }
  });

  it("signing-keys rotate adds a key that signs from then on, keeping the old one published", async () => {
    database = await createTestDatabase(dialect);
    runCli(["migrate"], database.env);
    const rotated = runCli(["signing-keys", "rotate"], database.env);
    expect(rotated.status).toBe(0);
    const kid = /New signing key (sig_[0-9A-Z]{26})/.exec(rotated.stdout)?.[1];
    expect(kid).toBeDefined();
    const deps = createDeps(loadConfig(database.env));
    try {
      expect((await deps.signingKeys.activeKey()).kid).toBe(kid);
      const published = (await deps.signingKeys.jwks()).keys.map((key) => key.kid);
      expect(published).toHaveLength(2);
      expect(published[0]).toBe(kid);
    } finally {
      await deps.close();
    }
  });

  it("migrate reports what it applied, then that the database is up to date", async () => {
    database = await createTestDatabase(dialect);
    const first = runCli(["migrate"], database.env);
    expect(first.status).toBe(0);
    expect(first.stdout).toMatch(/Applied \d+ migration\(s\)/);
    expect(first.stdout).toContain("0001-organizations-and-keys");
    const second = runCli(["migrate"], database.env);
    expect(second.stdout).toContain("is up to date");
  });
});

describe("fanfare CLI configuration errors", () => {
  it("names the bad variable and prints no stack trace", () => {
    const result = runCli(["migrate"], { FANFARE_DATABASE_URL: "mysql://nope", FANFARE_SECRET: "x".repeat(32) });
    expect(result.status).toBe(1);
    expect(result.stderr.trim()).toBe(
      'fanfare: Invalid configuration: FANFARE_DATABASE_URL must use postgres: or postgresql: (got "mysql:")',
    );
  });
});
