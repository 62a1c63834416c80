import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import type { BootstrapKeys } from "../src/modules/orgs/service.js";
import { createTestOrganization, createTestServer, dialects, type TestServer } from "./harness.js";
import { call } from "./http.js";

describe.each(dialects())("API key lifecycle (%s)", (dialect) => {
  let server: TestServer;
  let keys: BootstrapKeys;

  beforeAll(async () => {
    server = await createTestServer(dialect);
  });
  afterAll(() => server.close());
  beforeEach(async () => {
    ({ keys } = await createTestOrganization(server));
  });

  const admin = (method: "GET" | "POST" | "PATCH" | "DELETE", url: string, key: string, body?: unknown) =>
    call(server.admin, method, url, { key, body });

  async function createKey(body: Record<string, unknown>, key = keys.secretLive) {
    const response = await admin("POST", "/api/v1/api-keys", key, body);
    expect(response.statusCode).toBe(201);
    return response.json() as { id: string; key: string } & Record<string, unknown>;
  }

  it("creates a secret key with admin by default and shows it exactly once", async () => {
    const response = await admin("POST", "/api/v1/api-keys", keys.secretLive, { name: "Backend", type: "secret" });
    expect(response.statusCode).toBe(201);
    const created = response.json();
    expect(created).toMatchObject({
      object: "api_key",
      name: "Backend",
      type: "secret",
      mode: "live",
      status: "active",
      permissions: ["admin"],
      allowedCidrs: [],
      expiresAt: null,
      lastUsedAt: null,
    });
    expect(created.id).toMatch(/^key_[0-9A-Z]{26}$/);
    expect(created.key).toMatch(/^sk_live_[0-9A-Za-z]{38}$/);
    expect(created.displayHint).toBe(`${created.key.slice(0, 12)}…${created.key.slice(-4)}`);
    expect(created.createdBy).toMatch(/^key_/);

    // The new key works, and no later response shows it again.
    const list = await admin("GET", "/api/v1/api-keys", created.key);
    expect(list.statusCode).toBe(200);
    const one = await admin("GET", `/api/v1/api-keys/${created.id}`, created.key);
    const audit = await admin("GET", "/api/v1/audit-log", created.key);
    for (const later of [list, one, audit]) expect(later.body).not.toContain(created.key);
    expect(one.json()).not.toHaveProperty("key");
    expect(server.logs.text).not.toContain(created.key);
  });

  it("creates publishable keys with the fixed public scope only", async () => {
    const created = await createKey({ name: "Storefront", type: "publishable" });
    expect(created.key).toMatch(/^pk_live_/);
    expect(created.permissions).toEqual(["public"]);
    const scoped = await admin("POST", "/api/v1/api-keys", keys.secretLive, {
      name: "x",
      type: "publishable",
      permissions: ["read:experiences"],
    });
    expect(scoped.statusCode).toBe(400);
    expect(scoped.json().issues).toEqual([
      { path: "body.permissions", message: "cannot be set on a publishable key (it always has the public scope)" },
    ]);
  });

  it.each([
    [{ type: "secret" }, "body.name"],
    [{ name: "", type: "secret" }, "body.name"],
    [{ name: "x", type: "restricted" }, "body.type"],
    [{ name: "x", type: "secret", permissions: ["write:everything"] }, "body.permissions.0"],
    [{ name: "x", type: "secret", permissions: [] }, "body.permissions"],
    [{ name: "x", type: "secret", expiresAt: "tomorrow" }, "body.expiresAt"],
    [{ name: "x", type: "secret", expiresAt: "2020-01-01T00:00:00Z" }, "body.expiresAt"],
    [{ name: "x", type: "secret", allowedCidrs: ["10.0.0.0/33"] }, "body.allowedCidrs.0"],
    [{ name: "x", type: "secret", extra: true }, "body.extra"],
  ])("refuses %j with a validation error on %s and creates nothing", async (body, path) => {
    const response = await admin("POST", "/api/v1/api-keys", keys.secretLive, body);
    expect(response.statusCode).toBe(400);
    expect(response.json().error).toBe("validation_error");
    expect(response.json().issues.map((i: { path: string }) => i.path)).toContain(path);
    const list = await admin("GET", "/api/v1/api-keys", keys.secretLive);
    expect(list.json().data).toHaveLength(2);
  });

  it("lists keys newest first with cursor pagination and filters", async () => {
    for (const name of ["a", "b", "c"]) await createKey({ name, type: "secret" });
    const inactive = await createKey({ name: "off", type: "secret" });
    await admin("POST", `/api/v1/api-keys/${inactive.id}/deactivate`, keys.secretLive);

    const seen: string[] = [];
    let cursor: string | null = null;
    for (let page = 0; page < 5; page++) {
      const url: string = `/api/v1/api-keys?first=2${cursor ? `&after=${cursor}` : ""}`;
      const body = (await admin("GET", url, keys.secretLive)).json();
      seen.push(...body.data.map((k: { name: string }) => k.name));
      cursor = body.pageInfo.endCursor;
      if (!body.pageInfo.hasNextPage) break;
    }
    expect(seen).toEqual(["off", "c", "b", "a", "Default secret key", "Default publishable key"]);

    const secrets = (await admin("GET", "/api/v1/api-keys?type=publishable", keys.secretLive)).json();
    expect(secrets.data.map((k: { type: string }) => k.type)).toEqual(["publishable"]);
    const off = (await admin("GET", "/api/v1/api-keys?status=inactive", keys.secretLive)).json();
    expect(off.data.map((k: { id: string }) => k.id)).toEqual([inactive.id]);

    const badCursor = await admin("GET", "/api/v1/api-keys?after=bm9wZQ", keys.secretLive);
    expect(badCursor.statusCode).toBe(400);
    expect(badCursor.json().issues).toEqual([{ path: "query.after", message: "is not a cursor from this list" }]);
    const tooMany = await admin("GET", "/api/v1/api-keys?first=101", keys.secretLive);
    expect(tooMany.statusCode).toBe(400);
  });

  it("changes names, permissions and expiry, effective on the next request", async () => {
    const created = await createKey({ name: "ops", type: "secret" });
    const patched = await admin("PATCH", `/api/v1/api-keys/${created.id}`, keys.secretLive, {
      name: "ops (read only)",
      permissions: ["read:analytics"],
    });
    expect(patched.statusCode).toBe(200);
    expect(patched.json()).toMatchObject({ name: "ops (read only)", permissions: ["read:analytics"] });
    const denied = await admin("GET", "/api/v1/api-keys", created.key);
    expect(denied.statusCode).toBe(403);
    expect(denied.body).toBe('{"error":"Permission denied","message":"This key lacks the admin permission"}');

    const empty = await admin("PATCH", `/api/v1/api-keys/${created.id}`, keys.secretLive, {});
    expect(empty.statusCode).toBe(400);
  });

  it("expires keys by the clock", async () => {
    const expiresAt = new Date(server.clock.now() + 60_000).toISOString();
    const created = await createKey({ name: "temp", type: "secret", expiresAt });
    expect((await admin("GET", "/api/v1/api-keys", created.key)).statusCode).toBe(200);
    server.clock.advance(60_000);
    const expired = await admin("GET", "/api/v1/api-keys", created.key);
    expect(expired.statusCode).toBe(401);
    expect(expired.json()).toEqual({ error: "api_key_expired", message: `This API key expired at ${expiresAt}.` });
    const listed = await admin("GET", `/api/v1/api-keys/${created.id}`, keys.secretLive);
    expect(listed.json().status).toBe("expired");
    const regenerate = await admin("POST", `/api/v1/api-keys/${created.id}/regenerate`, keys.secretLive, {});
    expect(regenerate.statusCode).toBe(409);
  });

  it("regenerates with no grace: the old key stops at once, the new one works", async () => {
    const created = await createKey({ name: "rotate-now", type: "secret" });
    await admin("GET", "/api/v1/api-keys", created.key); // warm the cache
    // No body at all: every field of the regenerate body is optional.
    const response = await admin("POST", `/api/v1/api-keys/${created.id}/regenerate`, keys.secretLive);
    expect(response.statusCode).toBe(200);
    const rotated = response.json();
    expect(rotated.id).toBe(created.id);
    expect(rotated.key).not.toBe(created.key);
    expect(rotated.previousKeyExpiresAt).toBe(new Date(server.clock.now()).toISOString());
    const old = await admin("GET", "/api/v1/api-keys", created.key);
    expect(old.statusCode).toBe(401);
    expect(old.body).toBe('{"error":"Invalid API key"}');
    expect((await admin("GET", "/api/v1/api-keys", rotated.key)).statusCode).toBe(200);
  });

  it("regenerates with a grace period: the old key works until it ends", async () => {
    const created = await createKey({ name: "rotate-later", type: "secret" });
    const response = await admin("POST", `/api/v1/api-keys/${created.id}/regenerate`, keys.secretLive, {
      gracePeriodSeconds: 3600,
    });
    const rotated = response.json();
    expect(rotated.previousKeyExpiresAt).toBe(new Date(server.clock.now() + 3_600_000).toISOString());
    // The old value keeps the key's data permissions only (test/key-rotation.test.ts).
    expect((await admin("GET", "/api/v1/experiences", created.key)).statusCode).toBe(200);
    expect((await admin("GET", "/api/v1/api-keys", created.key)).statusCode).toBe(403);
    expect((await admin("GET", "/api/v1/api-keys", rotated.key)).statusCode).toBe(200);
    server.clock.advance(3_600_000);
    expect((await admin("GET", "/api/v1/experiences", created.key)).statusCode).toBe(401);
    expect((await admin("GET", "/api/v1/api-keys", rotated.key)).statusCode).toBe(200);

    const tooLong = await admin("POST", `/api/v1/api-keys/${created.id}/regenerate`, keys.secretLive, {
      gracePeriodSeconds: 2_592_001,
    });
    expect(tooLong.statusCode).toBe(400);
  });

  it("deactivates and activates keys; a key cannot deactivate or delete itself", async () => {
    const created = await createKey({ name: "toggle", type: "secret" });
    const off = await admin("POST", `/api/v1/api-keys/${created.id}/deactivate`, keys.secretLive);
    expect(off.json().status).toBe("inactive");
    const refused = await admin("GET", "/api/v1/api-keys", created.key);
    expect(refused.statusCode).toBe(401);
    expect(refused.json().error).toBe("api_key_inactive");
    const on = await admin("POST", `/api/v1/api-keys/${created.id}/activate`, keys.secretLive);
    expect(on.json().status).toBe("active");
    expect((await admin("GET", "/api/v1/api-keys", created.key)).statusCode).toBe(200);

    for (const [method, suffix] of [
      ["POST", "/deactivate"],
      ["DELETE", ""],
    ] as const) {
      const self = await admin(method, `/api/v1/api-keys/${created.id}${suffix}`, created.key);
      expect(self.statusCode).toBe(409);
      expect(self.json().message).toMatch(/^A key cannot (deactivate|delete) itself/);
    }
    expect((await admin("GET", "/api/v1/api-keys", created.key)).statusCode).toBe(200);
  });

  it("deletes keys: they stop at once and disappear from the API, the audit trail stays", async () => {
    const created = await createKey({ name: "doomed", type: "secret" });
    await admin("GET", "/api/v1/api-keys", created.key);
    const deleted = await admin("DELETE", `/api/v1/api-keys/${created.id}`, keys.secretLive);
    expect(deleted.json()).toEqual({ id: created.id, object: "api_key", deleted: true });
    expect((await admin("GET", "/api/v1/api-keys", created.key)).body).toBe('{"error":"Invalid API key"}');
    expect((await admin("GET", `/api/v1/api-keys/${created.id}`, keys.secretLive)).statusCode).toBe(404);
    expect((await admin("DELETE", `/api/v1/api-keys/${created.id}`, keys.secretLive)).statusCode).toBe(404);
    const row = await server.deps.db.kysely
      .selectFrom("api_keys")
      .select("deleted_at")
      .where("id", "=", created.id)
      .executeTakeFirst();
    expect(row?.deleted_at).not.toBeNull();
  });

  it("keeps test and live apart: a test key can never see or touch a live key", async () => {
    const live = await createKey({ name: "live one", type: "secret" });
    const testList = (await admin("GET", "/api/v1/api-keys", keys.secretTest)).json();
    expect(testList.data.every((k: { mode: string }) => k.mode === "test")).toBe(true);
    expect((await admin("GET", "/api/v1/api-keys?mode=live", keys.secretTest)).json().data).toEqual([]);
    for (const [method, suffix] of [
      ["GET", ""],
      ["PATCH", ""],
      ["POST", "/regenerate"],
      ["POST", "/deactivate"],
      ["DELETE", ""],
    ] as const) {
      const body = method === "PATCH" ? { name: "pwned" } : method === "POST" ? {} : undefined;
      const response = await admin(method, `/api/v1/api-keys/${live.id}${suffix}`, keys.secretTest, body);
      expect(response.statusCode).toBe(404);
    }
    const mint = await admin("POST", "/api/v1/api-keys", keys.secretTest, { name: "x", type: "secret", mode: "live" });
    expect(mint.statusCode).toBe(403);
    expect(mint.json()).toEqual({
      error: "Permission denied",
      message: "A test-mode key can only manage test-mode keys",
    });
    expect((await admin("GET", "/api/v1/api-keys", live.key)).statusCode).toBe(200);
  });

  it("keeps organizations apart", async () => {
    const other = await createTestOrganization(server, "Other Org");
    const theirs = (await admin("GET", "/api/v1/api-keys", other.keys.secretLive)).json().data[0];
    expect((await admin("GET", `/api/v1/api-keys/${theirs.id}`, keys.secretLive)).statusCode).toBe(404);
    expect((await admin("DELETE", `/api/v1/api-keys/${theirs.id}`, keys.secretLive)).statusCode).toBe(404);
    const mine = (await admin("GET", "/api/v1/api-keys", keys.secretLive)).json().data;
    expect(mine.some((k: { id: string }) => k.id === theirs.id)).toBe(false);
  });

  it("records every lifecycle change in the audit log, with actor, IP and request id", async () => {
    const created = await createKey({ name: "audited", type: "secret" });
    const patch = await admin("PATCH", `/api/v1/api-keys/${created.id}`, keys.secretLive, {
      permissions: ["read:consumers"],
    });
    await admin("POST", `/api/v1/api-keys/${created.id}/regenerate`, keys.secretLive, { gracePeriodSeconds: 60 });
    await admin("POST", `/api/v1/api-keys/${created.id}/deactivate`, keys.secretLive);
    await admin("POST", `/api/v1/api-keys/${created.id}/activate`, keys.secretLive);
    await admin("DELETE", `/api/v1/api-keys/${created.id}`, keys.secretLive);

    const audit = (await admin("GET", `/api/v1/audit-log?targetId=${created.id}`, keys.secretLive)).json();
    expect(audit.data.map((e: { action: string }) => e.action)).toEqual([
      "api_key.deleted",
      "api_key.activated",
      "api_key.deactivated",
      "api_key.regenerated",
      "api_key.permissions_changed",
      "api_key.created",
    ]);
    const change = audit.data[4];
    expect(change).toMatchObject({
      actor: { type: "api_key" },
      target: { type: "api_key", id: created.id },
      ip: "127.0.0.1",
      requestId: patch.headers["x-request-id"],
      before: { permissions: ["admin"] },
      after: { permissions: ["read:consumers"] },
    });
    expect(JSON.stringify(audit)).not.toContain(created.key);
    const filtered = (await admin("GET", "/api/v1/audit-log?action=api_key.deleted", keys.secretLive)).json();
    expect(filtered.data).toHaveLength(1);
    const testMode = (await admin("GET", "/api/v1/audit-log", keys.secretTest)).json();
    expect(testMode.data).toEqual([]);
  });

  it("tracks last use in memory and writes it in batches, not per request", async () => {
    const created = await createKey({ name: "used", type: "secret" });
    await admin("GET", "/api/v1/api-keys", created.key);
    const stored = () =>
      server.deps.db.kysely
        .selectFrom("api_keys")
        .select("last_used_at")
        .where("id", "=", created.id)
        .executeTakeFirst();
    expect((await stored())?.last_used_at).toBeNull();
    const shown = (await admin("GET", `/api/v1/api-keys/${created.id}`, keys.secretLive)).json();
    expect(shown.lastUsedAt).toBe(new Date(server.clock.now()).toISOString());
    await server.deps.lastUsed.flush();
    expect((await stored())?.last_used_at).toBe(new Date(server.clock.now()).toISOString());
  });

  it("honours a secret key's IP allowlist, IPv4 and IPv6", async () => {
    const v4 = await createKey({ name: "office", type: "secret", allowedCidrs: ["10.0.0.0/8"] });
    const blocked = await call(server.admin, "GET", "/api/v1/api-keys", { key: v4.key });
    expect(blocked.statusCode).toBe(403);
    expect(blocked.json().error).toBe("ip_not_allowed");
    const allowed = await call(server.admin, "GET", "/api/v1/api-keys", { key: v4.key, remoteAddress: "10.2.3.4" });
    expect(allowed.statusCode).toBe(200);
    const v6 = await createKey({ name: "v6", type: "secret", allowedCidrs: ["2001:db8::/32"] });
    const ok6 = await call(server.admin, "GET", "/api/v1/api-keys", { key: v6.key, remoteAddress: "2001:db8::7" });
    expect(ok6.statusCode).toBe(200);
    const no6 = await call(server.admin, "GET", "/api/v1/api-keys", { key: v6.key, remoteAddress: "2001:db9::7" });
    expect(no6.statusCode).toBe(403);
    // X-Forwarded-For is ignored unless the peer is a configured trusted proxy.
    const spoofed = await call(server.admin, "GET", "/api/v1/api-keys", {
      key: v4.key,
      headers: { "x-forwarded-for": "10.9.9.9" },
    });
    expect(spoofed.statusCode).toBe(403);
  });
});
