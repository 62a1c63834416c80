import { MANAGEMENT_SCOPE } from "@fanfare/contract";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import type { BootstrapKeys } from "../src/modules/orgs/service.js";
import { createTestOrganization, createTestServer, dialects, type TestServer } from "./harness.js";
import { call } from "./http.js";

const GRACE_SECONDS = 3600;
const ROUNDS = 10;

const keyRotating = (graceUntil: string) =>
  JSON.stringify({
    error: "key_rotating",
    message:
      `This is the previous value of a regenerated key: until it stops working at ${graceUntil} it may only ` +
      "read and write data. Use the key's new value to manage keys, webhooks, settings and alert rules.",
  });
const REGENERATION_CONFLICT = JSON.stringify({
  error: "key_regeneration_conflict",
  message:
    "Another request regenerated or deleted this key at the same time, and this regeneration changed nothing: " +
    "use the new value the other request received, or regenerate again.",
});

type Method = "GET" | "POST" | "PATCH" | "PUT" | "DELETE";
interface AuditRow {
  action: string;
  actor: { type: string; id: string | null; keyValue: string | null };
  target: { id: string };
}

/** A regenerated key's old value in its grace period: data only, never the account's management. */
describe.each(dialects())("keys in their grace period (%s)", (dialect) => {
  let server: TestServer;
  let keys: BootstrapKeys;

  beforeAll(async () => {
    server = await createTestServer(dialect);
  });
  afterAll(() => server.close());
  beforeEach(async () => {
    ({ keys } = await createTestOrganization(server));
  });

  const admin = (method: Method, path: string, key: string, body?: unknown) =>
    call(server.admin, method, `/api/v1${path}`, { key, body });

  async function createKey(permissions: string[] = ["admin"]) {
    const response = await admin("POST", "/api-keys", keys.secretLive, {
      name: "backend",
      type: "secret",
      permissions,
    });
    expect(response.statusCode).toBe(201);
    return response.json() as { id: string; key: string };
  }

  /** Regenerates `id` with `key`, keeping the old value for the grace period; the new value. */
  async function regenerate(id: string, key: string) {
    const response = await admin("POST", `/api-keys/${id}/regenerate`, key, { gracePeriodSeconds: GRACE_SECONDS });
    expect(response.statusCode).toBe(200);
    return response.json() as { key: string; previousKeyExpiresAt: string };
  }

  const auditLog = async () => (await admin("GET", "/audit-log?first=100", keys.secretLive)).json().data as AuditRow[];

  /** What the management routes show: it must not move when the old value is refused. */
  const managedState = async () =>
    Promise.all(
      ["/api-keys?first=100", "/organization", "/webhook-endpoints", "/alert-rules", "/audit-log?first=100"].map(
        async (path) => (await admin("GET", path, keys.secretLive)).body,
      ),
    );

  it("refuses the old value on every route that manages the account, changing nothing; the new value still manages", async () => {
    const created = await createKey();
    // The merchant rotates the key with itself; the old value has leaked.
    const { key: fresh, previousKeyExpiresAt } = await regenerate(created.id, created.key);
    const refusal = keyRotating(previousKeyExpiresAt);
    const before = await managedState();

    // The takeover: regenerate the key out of its owner's hands, or mint a key of one's own.
    const takeover = await admin("POST", `/api-keys/${created.id}/regenerate`, created.key, { gracePeriodSeconds: 0 });
    expect(takeover.statusCode).toBe(403);
    expect(takeover.body).toBe(refusal);
    const mint = await admin("POST", "/api-keys", created.key, { name: "mine", type: "secret" });
    expect(mint.statusCode).toBe(403);
    expect(mint.body).toBe(refusal);

    // Every route that needs the management scope, from the server's own route table.
    const management = server.admin.routeAuthTable.filter(
      ({ auth }) => auth.kind === "secret" && auth.scope === MANAGEMENT_SCOPE,
    );
    expect(management.map(({ url }) => url)).toEqual(
      expect.arrayContaining([
        "/api/v1/api-keys",
        "/api/v1/api-keys/:id/regenerate",
        "/api/v1/webhook-endpoints",
        "/api/v1/organization",
        "/api/v1/alert-rules",
        "/api/v1/audit-log",
      ]),
    );
    for (const { method, url } of management) {
      const body = method === "GET" || method === "DELETE" ? undefined : { name: "pwned", url: "https://x.example" };
      const response = await call(server.admin, method as Method, url.replace(":id", created.id), {
        key: created.key,
        body,
      });
      expect(response.statusCode, `${method} ${url}`).toBe(403);
      expect(response.body, `${method} ${url}`).toBe(refusal);
    }
    expect(server.logs.text).not.toContain(created.key);

    expect(await managedState()).toEqual(before);
    // The merchant's new value is the only one that manages, and still does.
    expect((await admin("GET", `/api-keys/${created.id}`, fresh)).statusCode).toBe(200);
    const next = await regenerate(created.id, fresh);
    expect((await admin("GET", "/api-keys", next.key)).statusCode).toBe(200);
  });

  it("lets the old value do what the key's scopes allow on data, and the audit log says which value acted", async () => {
    const created = await createKey();
    const { key: fresh } = await regenerate(created.id, created.key);
    const old = await admin("POST", "/experiences", created.key, { name: "By the old value" });
    expect(old.statusCode).toBe(201);
    const current = await admin("POST", "/experiences", fresh, { name: "By the new value" });
    expect(current.statusCode).toBe(201);
    expect((await admin("GET", `/experiences/${current.json().id}`, created.key)).statusCode).toBe(200);

    const log = await auditLog();
    const actorOf = (targetId: string) => log.find((row) => row.target.id === targetId)?.actor;
    expect(actorOf(old.json().id)).toEqual({ type: "api_key", id: created.id, keyValue: "previous" });
    expect(actorOf(current.json().id)).toEqual({ type: "api_key", id: created.id, keyValue: "current" });
    expect(log.find((row) => row.action === "api_key.regenerated")?.actor).toEqual({
      type: "api_key",
      id: created.id,
      keyValue: "current",
    });

    // No more than the key's own scopes: a read-only key's old value reads and nothing else.
    const reader = await createKey(["read:experiences"]);
    await regenerate(reader.id, keys.secretLive);
    expect((await admin("GET", "/experiences", reader.key)).statusCode).toBe(200);
    const write = await admin("POST", "/experiences", reader.key, { name: "Not allowed" });
    expect(write.statusCode).toBe(403);
    expect(write.json()).toEqual({
      error: "Permission denied",
      message: "This key lacks the write:experiences permission",
    });

    // And only for the grace period.
    server.clock.advance(GRACE_SECONDS * 1000);
    const late = await admin("GET", "/experiences", created.key);
    expect(late.statusCode).toBe(401);
    expect((await admin("GET", "/experiences", fresh)).statusCode).toBe(200);
  });

  it("answers one of two concurrent regenerations 200 and the other 409, and the 200's value is the one that works", async () => {
    const created = await createKey();
    let value = created.key;
    for (let round = 0; round < ROUNDS; round++) {
      const attempt = (gracePeriodSeconds: number) =>
        admin("POST", `/api-keys/${created.id}/regenerate`, keys.secretLive, { gracePeriodSeconds });
      // One keeps the old value for a while, the other ends it: the winner's choice must hold.
      const [withGrace, withoutGrace] = await Promise.all([attempt(GRACE_SECONDS), attempt(0)]);
      const statuses = [withGrace.statusCode, withoutGrace.statusCode];
      expect(statuses.sort(), `round ${round}`).toEqual([200, 409]);
      const [winner, loser] = withGrace.statusCode === 200 ? [withGrace, withoutGrace] : [withoutGrace, withGrace];
      expect(loser.body).toBe(REGENERATION_CONFLICT);
      const next = winner.json().key as string;
      expect((await admin("GET", `/api-keys/${created.id}`, next)).statusCode).toBe(200);
      const previous = await admin("GET", "/experiences", value);
      expect(previous.statusCode).toBe(winner === withGrace ? 200 : 401);
      value = next;
    }
    const regenerations = (await auditLog()).filter(
      (row) => row.action === "api_key.regenerated" && row.target.id === created.id,
    );
    expect(regenerations).toHaveLength(ROUNDS);
  });

  it("documents key_rotating on the management routes and the conflict on regeneration", async () => {
    const document = (await server.admin.inject({ method: "GET", url: "/openapi.json" })).json();
    const codesOf = (path: string, method: string) =>
      Object.values(document.paths[path][method].responses as Record<string, { content?: unknown }>).flatMap(
        (response) =>
          (response.content as { "application/json"?: { schema?: { "x-fanfare-error-codes"?: string[] } } })?.[
            "application/json"
          ]?.schema?.["x-fanfare-error-codes"] ?? [],
      );
    for (const [path, method] of [
      ["/api/v1/api-keys", "post"],
      ["/api/v1/webhook-endpoints", "post"],
      ["/api/v1/organization", "patch"],
      ["/api/v1/alert-rules", "put"],
    ]) {
      expect(codesOf(path as string, method as string), `${method} ${path}`).toContain("key_rotating");
    }
    expect(codesOf("/api/v1/experiences", "post")).not.toContain("key_rotating");
    expect(codesOf("/api/v1/api-keys/{id}/regenerate", "post")).toEqual(
      expect.arrayContaining(["key_rotating", "key_regeneration_conflict"]),
    );
  });
});
