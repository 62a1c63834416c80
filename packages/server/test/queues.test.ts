import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import type { BootstrapKeys } from "../src/modules/orgs/service.js";
import { createTestOrganization, createTestServer, dialects, type TestServer } from "./harness.js";
import { call } from "./http.js";

describe.each(dialects())("queues (%s)", (dialect) => {
  let server: TestServer;
  let keys: BootstrapKeys;
  let experienceId: string;

  beforeAll(async () => {
    server = await createTestServer(dialect);
  });
  afterAll(() => server.close());
  beforeEach(async () => {
    ({ keys } = await createTestOrganization(server));
    const experience = await call(server.admin, "POST", "/api/v1/experiences", {
      key: keys.secretLive,
      body: { name: "Holiday Sale" },
    });
    experienceId = experience.json().id;
  });

  const admin = (method: "GET" | "POST" | "PATCH" | "DELETE", url: string, body?: unknown, key = keys.secretLive) =>
    call(server.admin, method, url, { key, body });
  const inMinutes = (minutes: number) => new Date(server.clock.now() + minutes * 60_000).toISOString();

  it("creates queues in an experience with a status derived from the window", async () => {
    const response = await admin("POST", `/api/v1/experiences/${experienceId}/queues`, {
      name: "Main queue",
      capacity: 5000,
      openAt: inMinutes(10),
      closeAt: inMinutes(70),
    });
    expect(response.statusCode).toBe(201);
    const queue = response.json();
    expect(queue).toMatchObject({
      id: expect.stringMatching(/^queue_[0-9A-Z]{26}$/),
      object: "queue",
      experienceId,
      name: "Main queue",
      capacity: 5000,
      status: "PENDING",
      statusOverride: null,
      admissionTtlSeconds: 900,
    });
    server.clock.advance(10 * 60_000);
    expect((await admin("GET", `/api/v1/queues/${queue.id}`)).json().status).toBe("OPEN");
    server.clock.advance(60 * 60_000);
    expect((await admin("GET", `/api/v1/queues/${queue.id}`)).json().status).toBe("CLOSED");

    const reopened = await admin("PATCH", `/api/v1/queues/${queue.id}`, { status: "OPEN" });
    expect(reopened.json()).toMatchObject({ status: "OPEN", statusOverride: "OPEN" });
    const following = await admin("PATCH", `/api/v1/queues/${queue.id}`, { status: null });
    expect(following.json().status).toBe("CLOSED");
  });

  it("lists an experience's queues and deletes them with the experience", async () => {
    for (const name of ["A", "B"]) await admin("POST", `/api/v1/experiences/${experienceId}/queues`, { name });
    const list = (await admin("GET", `/api/v1/experiences/${experienceId}/queues`)).json();
    expect(list.data.map((q: { name: string }) => q.name)).toEqual(["A", "B"]);
    const [first] = list.data as { id: string }[];
    const deleted = await admin("DELETE", `/api/v1/queues/${first?.id}`);
    expect(deleted.json()).toEqual({ id: first?.id, object: "queue", deleted: true });
    const missing = await admin("GET", `/api/v1/queues/${first?.id}`);
    expect(missing.statusCode).toBe(404);
    expect(missing.body).toBe('{"error":"Queue not found"}');

    await admin("DELETE", `/api/v1/experiences/${experienceId}`);
    const [, second] = list.data as { id: string }[];
    expect((await admin("GET", `/api/v1/queues/${second?.id}`)).statusCode).toBe(404);
    expect((await admin("GET", `/api/v1/experiences/${experienceId}/queues`)).statusCode).toBe(404);
  });

  it("validates input and the parent experience", async () => {
    const cases: [unknown, number, string][] = [
      [{ capacity: 10 }, 400, "validation_error"],
      [{ name: "x", capacity: 0 }, 400, "validation_error"],
      [{ name: "x", openAt: inMinutes(10), closeAt: inMinutes(5) }, 400, "validation_error"],
      [{ name: "x", status: "PENDING" }, 400, "validation_error"],
    ];
    for (const [body, status, error] of cases) {
      const response = await admin("POST", `/api/v1/experiences/${experienceId}/queues`, body);
      expect(response.statusCode, JSON.stringify(body)).toBe(status);
      expect(response.json().error).toBe(error);
    }
    const orphan = await admin("POST", "/api/v1/experiences/exp_01J0000000000000000000000/queues", { name: "x" });
    expect(orphan.statusCode).toBe(404);
    expect(orphan.body).toBe('{"error":"Experience not found"}');
  });

  it("keeps queues inside their organization and mode, for admins and browsers", async () => {
    const queue = (await admin("POST", `/api/v1/experiences/${experienceId}/queues`, { name: "Live" })).json();
    expect((await admin("GET", `/api/v1/queues/${queue.id}`, undefined, keys.secretTest)).statusCode).toBe(404);
    expect((await admin("PATCH", `/api/v1/queues/${queue.id}`, { name: "x" }, keys.secretTest)).statusCode).toBe(404);
    const other = await createTestOrganization(server, "Rival");
    expect((await admin("GET", `/api/v1/queues/${queue.id}`, undefined, other.keys.secretLive)).statusCode).toBe(404);

    const browser = (publishable: string) =>
      call(server.consumer, "GET", `/api/v1/queues/${queue.id}`, { headers: { "x-publishable-key": publishable } });
    const publicView = await browser(keys.publishableLive);
    expect(publicView.statusCode).toBe(200);
    expect(publicView.json()).toEqual({
      id: queue.id,
      object: "queue",
      experienceId,
      name: "Live",
      capacity: null,
      openAt: null,
      closeAt: null,
      status: "OPEN",
      consumerCount: 0,
    });
    expect((await browser(keys.publishableTest)).statusCode).toBe(404);
    expect((await browser(other.keys.publishableLive)).statusCode).toBe(404);
  });
});
