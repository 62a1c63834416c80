import { afterAll, beforeAll, beforeEach, describe, expect, inject, it } from "vitest";
import type { BootstrapKeys } from "../src/modules/orgs/service.js";
import { createOrganization, setPlan } from "../src/modules/orgs/service.js";
import { createTestServer, type TestServer } from "./harness.js";
import { call } from "./http.js";
import { REDIS_URL } from "./services.js";

const MINUTE = 60_000;
const backends = inject("redis") ? (["memory", "redis"] as const) : (["memory"] as const);

describe.each(backends)("plan rate limits (%s)", (backend) => {
  let server: TestServer;
  let keys: BootstrapKeys;
  let organizationId: string;

  beforeAll(async () => {
    server = await createTestServer("sqlite", backend === "redis" ? { FANFARE_REDIS_URL: REDIS_URL } : {});
  });
  afterAll(() => server.close());
  beforeEach(async () => {
    // Every test starts at the beginning of a fresh minute window.
    server.clock.set(Math.ceil((server.clock.now() + 1) / MINUTE) * MINUTE + 10 * MINUTE);
    const created = await createOrganization(server.deps, { name: "Small Shop", plan: "free" });
    keys = created.keys;
    organizationId = created.organization.id;
  });

  const listExperiences = (key: string, remoteAddress?: string) =>
    call(server.admin, "GET", "/api/v1/experiences", { key, ...(remoteAddress ? { remoteAddress } : {}) });
  const publicOrg = (remoteAddress: string, key = keys.publishableLive) =>
    call(server.consumer, "GET", "/api/v1/organizations/current", {
      headers: { "x-publishable-key": key },
      remoteAddress,
    });

  it("shows the plan's limit on every authenticated response, and not on anonymous ones", async () => {
    const first = await listExperiences(keys.secretLive);
    expect(first.headers["x-ratelimit-limit"]).toBe("100");
    expect(first.headers["x-ratelimit-remaining"]).toBe("99");
    expect(first.headers["x-ratelimit-reset"]).toBe(String((server.clock.now() + MINUTE) / 1000));
    expect((await listExperiences(keys.secretLive)).headers["x-ratelimit-remaining"]).toBe("98");
    const browser = await publicOrg("10.0.0.1");
    expect(browser.headers["x-ratelimit-limit"]).toBe("100");
    const missing = await call(server.admin, "GET", "/api/v1/experiences", { key: keys.publishableLive });
    expect(missing.statusCode).toBe(401);
    expect(missing.headers["x-ratelimit-limit"]).toBeUndefined();
    const health = await server.admin.inject({ method: "GET", url: "/healthz" });
    expect(health.headers["x-ratelimit-limit"]).toBeUndefined();
  });

  it("refuses the 101st request of a minute with 429 and Retry-After, doing nothing for it", async () => {
    const create = () =>
      call(server.admin, "POST", "/api/v1/experiences", { key: keys.secretLive, body: { name: "Drop" } });
    for (let i = 0; i < 100; i++) expect((await create()).statusCode).toBe(201);
    const refused = await create();
    expect(refused.statusCode).toBe(429);
    // 60 s to the window's end, plus the 0.6 s until the full previous minute weighs under the limit.
    expect(refused.body).toBe('{"error":"Rate limit exceeded","retryAfter":61}');
    expect(refused.headers["retry-after"]).toBe("61");
    expect(refused.headers["x-ratelimit-remaining"]).toBe("0");

    // The test-mode key has its own budget.
    expect((await listExperiences(keys.secretTest)).statusCode).toBe(200);

    // Sliding window: at the boundary the full previous minute still counts; it weighs less as it slides out.
    server.clock.advance(MINUTE);
    expect((await listExperiences(keys.secretLive)).statusCode).toBe(429);
    server.clock.advance(MINUTE / 2);
    const half = await listExperiences(keys.secretLive);
    expect(half.statusCode).toBe(200);
    server.clock.advance(MINUTE / 2);
    expect((await listExperiences(keys.secretLive)).headers["x-ratelimit-remaining"]).toBe("98");

    server.clock.advance(MINUTE);
    const all = await call(server.admin, "GET", "/api/v1/experiences?first=100", { key: keys.secretLive });
    expect(all.json().data).toHaveLength(100);
  });

  it("limits a publishable key per client, so one busy browser does not throttle the others", async () => {
    for (let i = 0; i < 100; i++) expect((await publicOrg("10.0.0.1")).statusCode).toBe(200);
    expect((await publicOrg("10.0.0.1")).statusCode).toBe(429);
    const other = await publicOrg("10.0.0.2");
    expect(other.statusCode).toBe(200);
    expect(other.headers["x-ratelimit-remaining"]).toBe("99");
  });

  it("gives each consumer session its own budget", async () => {
    const session = async (remoteAddress: string) =>
      (
        await call(server.consumer, "POST", "/api/v1/auth/guest", {
          headers: { "x-publishable-key": keys.publishableLive },
          remoteAddress,
        })
      ).json().accessToken as string;
    const [a, b] = [await session("10.0.1.1"), await session("10.0.1.2")];
    const sessions = (token: string) =>
      call(server.consumer, "GET", "/api/v1/auth/sessions", {
        key: token,
        headers: { "x-publishable-key": keys.publishableLive },
        remoteAddress: "10.0.1.3",
      });
    for (let i = 0; i < 100; i++) expect((await sessions(a)).statusCode).toBe(200);
    expect((await sessions(a)).statusCode).toBe(429);
    expect((await sessions(b)).statusCode).toBe(200);
  });

  it("applies an enterprise organization's custom limit as soon as it is set", async () => {
    expect((await listExperiences(keys.secretLive)).headers["x-ratelimit-limit"]).toBe("100");
    await setPlan(server.deps, organizationId, "enterprise", 250_000);
    expect((await listExperiences(keys.secretLive)).headers["x-ratelimit-limit"]).toBe("250000");
  });
});
