import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { generateKey, keyDigest, keyHint } from "../src/modules/keys/format.js";
import { insertKey } from "../src/modules/keys/store.js";
import { KeyVerifier } from "../src/modules/keys/verify.js";
import { createTestOrganization, createTestServer, dialects, type TestServer } from "./harness.js";

describe.each(dialects())("KeyVerifier (%s)", (dialect) => {
  let server: TestServer;
  let organizationId: string;

  beforeAll(async () => {
    server = await createTestServer(dialect);
    organizationId = (await createTestOrganization(server)).organization.id;
  });
  afterAll(() => server.close());

  /** Stores a key behind the verifier's back, so only a database lookup can find it. */
  async function storeDirectly(key: string, id: string): Promise<void> {
    const now = new Date(server.clock.now()).toISOString();
    await insertKey(
      server.deps.db.kysely,
      { organizationId, mode: "live" },
      {
        id,
        organizationId,
        mode: "live",
        kind: "secret",
        name: "direct",
        hint: keyHint(key),
        digest: keyDigest(server.deps.secrets["api-key-digest"], key),
        permissions: ["admin"],
        status: "active",
        expiresAt: null,
        allowedCidrs: [],
        createdAt: now,
        createdBy: null,
        updatedAt: now,
      },
    );
  }

  it("remembers a miss briefly, so unknown keys do not reach the database each time", async () => {
    const verifier = new KeyVerifier(server.deps.db, server.clock, server.deps.secrets["api-key-digest"], {
      negativeTtlMs: 10_000,
    });
    const key = generateKey("secret", "live");
    expect(await verifier.verify(key)).toEqual({ ok: false, reason: "unknown" });
    await storeDirectly(key, "key_01JVERIFIERNEGATIVE000000");
    expect((await verifier.verify(key)).ok).toBe(false); // still the cached miss
    server.clock.advance(10_000);
    expect((await verifier.verify(key)).ok).toBe(true);
  });

  it("rejects malformed keys without a lookup", async () => {
    const verifier = new KeyVerifier(server.deps.db, server.clock, server.deps.secrets["api-key-digest"]);
    expect(await verifier.verify("sk_live_short")).toEqual({ ok: false, reason: "malformed" });
  });

  it("loads a key once for many concurrent first requests", async () => {
    const verifier = new KeyVerifier(server.deps.db, server.clock, server.deps.secrets["api-key-digest"]);
    const key = generateKey("secret", "live");
    await storeDirectly(key, "key_01JVERIFIERCONCURRENT0000");
    const outcomes = await Promise.all(Array.from({ length: 50 }, () => verifier.verify(key)));
    expect(outcomes.every((o) => o.ok)).toBe(true);
    const first = outcomes[0];
    // One load: every caller got the very same cached object.
    expect(outcomes.every((o) => o.ok && first?.ok && o.key === first.key)).toBe(true);
  });

  it("drops a cached key when its invalidation event arrives", async () => {
    const verifier = new KeyVerifier(server.deps.db, server.clock, server.deps.secrets["api-key-digest"]);
    const key = generateKey("secret", "live");
    const id = "key_01JVERIFIERINVALIDATE0000";
    await storeDirectly(key, id);
    expect((await verifier.verify(key)).ok).toBe(true);
    await server.deps.db.kysely.updateTable("api_keys").set({ status: "inactive" }).where("id", "=", id).execute();
    expect((await verifier.verify(key)).ok).toBe(true); // cached
    verifier.apply({ type: "key", keyId: id });
    expect(await verifier.verify(key)).toMatchObject({ ok: false, reason: "inactive" });
  });
});

describe.each(dialects())("KeyVerifier invalidation races (%s)", (dialect) => {
  let server: TestServer;

  beforeAll(async () => {
    server = await createTestServer(dialect);
  });
  afterAll(() => server.close());

  it("does not cache a read that an invalidation overtook", async () => {
    const { keys } = await createTestOrganization(server, "Race Org");
    const verifier = new KeyVerifier(server.deps.db, server.clock, server.deps.secrets["api-key-digest"]);
    const record = await server.deps.db.kysely
      .selectFrom("api_keys")
      .select("id")
      .where("kind", "=", "secret")
      .where("mode", "=", "live")
      .where("name", "=", "Default secret key")
      .orderBy("id", "desc")
      .executeTakeFirstOrThrow();
    const inFlight = verifier.verify(keys.secretLive); // the read starts…
    verifier.apply({ type: "key", keyId: record.id }); // …a change is announced before it ends
    expect((await inFlight).ok).toBe(true);
    await server.deps.db.kysely
      .updateTable("api_keys")
      .set({ status: "inactive" })
      .where("id", "=", record.id)
      .execute();
    expect(await verifier.verify(keys.secretLive)).toMatchObject({ ok: false, reason: "inactive" });
  });
});
