import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import type { BootstrapKeys } from "../src/modules/orgs/service.js";
import { createTestOrganization, createTestServer, dialects, type TestServer } from "./harness.js";
import { call } from "./http.js";

describe.each(dialects())("experiences (%s)", (dialect) => {
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
  async function create(body: Record<string, unknown>, key = keys.secretLive) {
    const response = await admin("POST", "/api/v1/experiences", key, body);
    expect(response.statusCode).toBe(201);
    return response.json() as { id: string } & Record<string, unknown>;
  }

  it("creates the seed's example experience", async () => {
    const response = await admin("POST", "/api/v1/experiences", keys.secretLive, {
      name: "Holiday Sale Queue",
      openAt: "2024-12-01T09:00:00Z",
    });
    expect(response.statusCode).toBe(201);
    expect(response.json()).toEqual({
      id: expect.stringMatching(/^exp_[0-9A-Z]{26}$/),
      object: "experience",
      name: "Holiday Sale Queue",
      openAt: "2024-12-01T09:00:00.000Z",
      closeAt: null,
      timeZone: "UTC",
      createdAt: expect.any(String),
      updatedAt: expect.any(String),
    });
    // The seed's curl example is also served at the unversioned /api path.
    const unversioned = await call(server.admin, "POST", "/api/experiences", {
      key: keys.secretLive,
      body: { name: "Holiday Sale" },
    });
    expect(unversioned.statusCode).toBe(201);
  });

  it.each([
    [{ name: "" }, "body.name"],
    [{ name: "   " }, "body.name"],
    [{ name: "x", openAt: "soon" }, "body.openAt"],
    [{ name: "x", timeZone: "Mars/Olympus" }, "body.timeZone"],
    [{ name: "x", openAt: "2025-01-02T00:00:00Z", closeAt: "2025-01-01T00:00:00Z" }, "body.closeAt"],
    [{ name: "x", colour: "red" }, "body.colour"],
  ])("refuses %j (%s)", async (body, path) => {
    const response = await admin("POST", "/api/v1/experiences", keys.secretLive, body);
    expect(response.statusCode).toBe(400);
    expect(response.json().issues.map((i: { path: string }) => i.path)).toContain(path);
    expect((await admin("GET", "/api/v1/experiences", keys.secretLive)).json().data).toEqual([]);
  });

  it("reads, lists with pagination, updates and deletes", async () => {
    const names = ["One", "Two", "Three"];
    const ids: string[] = [];
    for (const name of names) ids.push((await create({ name, timeZone: "Europe/Paris" })).id);
    const page = (await admin("GET", "/api/v1/experiences?first=2", keys.secretLive)).json();
    expect(page.data.map((e: { name: string }) => e.name)).toEqual(["Three", "Two"]);
    expect(page.pageInfo.hasNextPage).toBe(true);
    const rest = (
      await admin("GET", `/api/v1/experiences?first=2&after=${page.pageInfo.endCursor}`, keys.secretLive)
    ).json();
    expect(rest.data.map((e: { name: string }) => e.name)).toEqual(["One"]);

    const [first] = ids as [string];
    const patched = await admin("PATCH", `/api/v1/experiences/${first}`, keys.secretLive, {
      name: "One, renamed",
      closeAt: "2030-01-01T00:00:00Z",
    });
    expect(patched.json()).toMatchObject({
      name: "One, renamed",
      closeAt: "2030-01-01T00:00:00.000Z",
      timeZone: "Europe/Paris",
    });
    expect((await admin("GET", `/api/v1/experiences/${first}`, keys.secretLive)).json().name).toBe("One, renamed");

    const deleted = await admin("DELETE", `/api/v1/experiences/${first}`, keys.secretLive);
    expect(deleted.json()).toEqual({ id: first, object: "experience", deleted: true });
    const gone = await admin("GET", `/api/v1/experiences/${first}`, keys.secretLive);
    expect(gone.statusCode).toBe(404);
    expect(gone.body).toBe('{"error":"Experience not found"}');

    const audit = (await admin("GET", `/api/v1/audit-log?targetId=${first}`, keys.secretLive)).json();
    expect(audit.data.map((e: { action: string }) => e.action)).toEqual([
      "experience.deleted",
      "experience.updated",
      "experience.created",
    ]);
  });

  it("lets read-only keys read but not write", async () => {
    const experience = await create({ name: "Scoped" });
    const reader = await admin("POST", "/api/v1/api-keys", keys.secretLive, {
      name: "reader",
      type: "secret",
      permissions: ["read:experiences"],
    });
    const key = reader.json().key;
    expect((await admin("GET", `/api/v1/experiences/${experience.id}`, key)).statusCode).toBe(200);
    const write = await admin("PATCH", `/api/v1/experiences/${experience.id}`, key, { name: "nope" });
    expect(write.statusCode).toBe(403);
    expect(write.json().message).toBe("This key lacks the write:experiences permission");
    const writer = await admin("POST", "/api/v1/api-keys", keys.secretLive, {
      name: "writer",
      type: "secret",
      permissions: ["write:experiences"],
    });
    expect((await admin("GET", "/api/v1/experiences", writer.json().key)).statusCode).toBe(200);
  });

  it("keeps test and live experiences, and organizations, apart", async () => {
    const live = await create({ name: "Live drop" });
    expect((await admin("GET", `/api/v1/experiences/${live.id}`, keys.secretTest)).statusCode).toBe(404);
    expect((await admin("GET", "/api/v1/experiences", keys.secretTest)).json().data).toEqual([]);
    expect((await admin("DELETE", `/api/v1/experiences/${live.id}`, keys.secretTest)).statusCode).toBe(404);
    const other = await createTestOrganization(server, "Rival");
    expect((await admin("GET", `/api/v1/experiences/${live.id}`, other.keys.secretLive)).statusCode).toBe(404);
    const viaRivalPk = await call(server.consumer, "GET", `/api/v1/experiences/${live.id}`, {
      headers: { "x-publishable-key": other.keys.publishableLive },
    });
    expect(viaRivalPk.statusCode).toBe(404);
  });

  it("shows browsers the public view with a publishable key", async () => {
    const experience = await create({
      name: "Sneaker drop",
      openAt: "2030-05-01T10:00:00Z",
      timeZone: "America/New_York",
    });
    const response = await call(server.consumer, "GET", `/api/v1/experiences/${experience.id}`, {
      headers: { "x-publishable-key": keys.publishableLive },
    });
    expect(response.statusCode).toBe(200);
    expect(response.json()).toEqual({
      id: experience.id,
      object: "experience",
      name: "Sneaker drop",
      openAt: "2030-05-01T10:00:00.000Z",
      closeAt: null,
      timeZone: "America/New_York",
    });
    const testKey = await call(server.consumer, "GET", `/api/v1/experiences/${experience.id}`, {
      headers: { "x-publishable-key": keys.publishableTest },
    });
    expect(testKey.statusCode).toBe(404);
  });
});
