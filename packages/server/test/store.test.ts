import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { migrateToLatest } from "../src/db/migrate.js";
import { keyDigest, parseKey } from "../src/modules/keys/format.js";
import { findKeyByDigest, getKey, listKeys } from "../src/modules/keys/store.js";
import { createOrganization, setPlan } from "../src/modules/orgs/service.js";
import { findOrganization, listOrganizations } from "../src/modules/orgs/store.js";
import { createTestOrganization, createTestServer, dialects, type TestServer } from "./harness.js";

describe.each(dialects())("storage (%s)", (dialect) => {
  let server: TestServer;

  beforeAll(async () => {
    server = await createTestServer(dialect);
  });
  afterAll(() => server.close());

  it("migrates an empty database, and a second run is a no-op", async () => {
    const tables = await server.deps.db.kysely.introspection.getTables();
    expect(tables.map((t) => t.name)).toEqual(expect.arrayContaining(["organizations", "api_keys"]));
    expect(await migrateToLatest(server.deps.db)).toEqual({ applied: [] });
  });

  it("creates an organization with four keys, storing digests and hints only", async () => {
    const { organization, keys } = await createTestOrganization(server, "Acme Drops");
    expect(organization.id).toMatch(/^org_[0-9A-Z]{26}$/);
    expect(organization).toMatchObject({
      name: "Acme Drops",
      slug: "acme-drops",
      plan: "pro",
      accessTokenTtlSeconds: 3600,
      refreshTokenTtlSeconds: 2592000,
      allowedOrigins: [],
      testAllowedOrigins: null,
    });
    expect(parseKey(keys.publishableLive)).toMatchObject({ kind: "publishable", mode: "live" });
    expect(parseKey(keys.secretLive)).toMatchObject({ kind: "secret", mode: "live" });
    expect(parseKey(keys.publishableTest)).toMatchObject({ kind: "publishable", mode: "test" });
    expect(parseKey(keys.secretTest)).toMatchObject({ kind: "secret", mode: "test" });

    const rows = await server.deps.db.kysely
      .selectFrom("api_keys")
      .selectAll()
      .where("organization_id", "=", organization.id)
      .execute();
    expect(rows).toHaveLength(4);
    const stored = JSON.stringify(rows);
    for (const key of Object.values(keys)) {
      expect(stored).not.toContain(key);
      const row = await findKeyByDigest(server.deps.db, keyDigest(server.deps.secrets["api-key-digest"], key));
      expect(row?.organizationId).toBe(organization.id);
    }
    const secret = rows.find((r) => r.kind === "secret" && r.mode === "live");
    expect(JSON.parse(secret?.permissions ?? "[]")).toEqual(["admin"]);
    const publishable = rows.find((r) => r.kind === "publishable" && r.mode === "live");
    expect(JSON.parse(publishable?.permissions ?? "[]")).toEqual(["public"]);
  });

  it("keeps slugs unique", async () => {
    const first = await createTestOrganization(server, "Same Name");
    const second = await createTestOrganization(server, "Same Name");
    expect(first.organization.slug).toBe("same-name");
    expect(second.organization.slug).toMatch(/^same-name-[a-z0-9]{6}$/);
  });

  it("confines key queries to one organization and one mode", async () => {
    const a = await createTestOrganization(server, "Tenant A");
    const b = await createTestOrganization(server, "Tenant B");
    const aLive = { organizationId: a.organization.id, mode: "live" as const };
    const aTest = { organizationId: a.organization.id, mode: "test" as const };
    const bLive = { organizationId: b.organization.id, mode: "live" as const };

    const aLiveKeys = await listKeys(server.deps.db, aLive);
    expect(aLiveKeys).toHaveLength(2);
    expect(aLiveKeys.every((k) => k.organizationId === a.organization.id && k.mode === "live")).toBe(true);
    const aTestKeys = await listKeys(server.deps.db, aTest);
    expect(aTestKeys.every((k) => k.mode === "test")).toBe(true);

    const aLiveKey = aLiveKeys[0];
    if (!aLiveKey) throw new Error("missing key");
    expect(await getKey(server.deps.db, aLive, aLiveKey.id)).toMatchObject({ id: aLiveKey.id });
    expect(await getKey(server.deps.db, aTest, aLiveKey.id)).toBeUndefined();
    expect(await getKey(server.deps.db, bLive, aLiveKey.id)).toBeUndefined();
  });

  it("changes plans, requiring a custom limit for enterprise only", async () => {
    const { organization } = await createTestOrganization(server, "Planner");
    await expect(setPlan(server.deps, organization.id, "enterprise")).rejects.toMatchObject({
      status: 400,
      body: { error: "validation_error" },
    });
    await expect(setPlan(server.deps, organization.slug, "basic", 500)).rejects.toMatchObject({ status: 400 });
    await setPlan(server.deps, organization.slug, "enterprise", 50_000);
    expect(await findOrganization(server.deps.db, organization.id)).toMatchObject({
      plan: "enterprise",
      rateLimitPerMinute: 50_000,
    });
    await expect(setPlan(server.deps, "org_missing", "pro")).rejects.toMatchObject({ status: 404 });
  });

  it("refuses a blank name or an unknown plan and writes nothing", async () => {
    const before = (await listOrganizations(server.deps.db)).length;
    await expect(createOrganization(server.deps, { name: "   " })).rejects.toMatchObject({ status: 400 });
    await expect(createOrganization(server.deps, { name: "X", plan: "gold" as "pro" })).rejects.toMatchObject({
      status: 400,
    });
    expect((await listOrganizations(server.deps.db)).length).toBe(before);
  });
});
