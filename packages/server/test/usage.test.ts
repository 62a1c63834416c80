import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import type { BootstrapKeys } from "../src/modules/orgs/service.js";
import { createTestOrganization, createTestServer, dialects, type TestServer } from "./harness.js";
import { call } from "./http.js";

const MINUTE = 60_000;
const HOUR = 60 * MINUTE;

describe.each(dialects())("usage statistics (%s)", (dialect) => {
  let server: TestServer;
  let keys: BootstrapKeys;
  let analyst: string;
  let measuredKeyId: string;

  beforeAll(async () => {
    server = await createTestServer(dialect);
  });
  afterAll(() => server.close());
  beforeEach(async () => {
    server.clock.set(Math.ceil(server.clock.now() / HOUR) * HOUR + 5 * HOUR);
    ({ keys } = await createTestOrganization(server));
    // Reading usage is itself a request: read with a separate key so the measured one stays exact.
    const create = (body: unknown) => call(server.admin, "POST", "/api/v1/api-keys", { key: keys.secretLive, body });
    analyst = (await create({ name: "Analytics", type: "secret", permissions: ["read:analytics"] })).json().key;
    const keysList = await call(server.admin, "GET", "/api/v1/api-keys", { key: keys.secretLive });
    measuredKeyId = keysList.json().data.find((k: { type: string; name: string }) => k.type === "publishable").id;
    await server.deps.usage.flush();
  });

  const usage = (path: string) => call(server.admin, "GET", `/api/v1${path}`, { key: analyst });
  const browser = (url: string, body?: unknown) =>
    call(server.consumer, body === undefined ? "GET" : "POST", `/api/v1${url}`, {
      headers: { "x-publishable-key": keys.publishableLive },
      body,
    });

  it("counts every response by outcome, exactly, once flushed", async () => {
    for (let i = 0; i < 5; i++) expect((await browser("/organizations/current")).statusCode).toBe(200);
    expect((await browser("/experiences/exp_01J0000000000000000000000")).statusCode).toBe(404);
    expect((await browser("/auth/otp/request", { email: "nope" })).statusCode).toBe(400);
    // One code is sent; the next five are refused by the resend cooldown, a rate limit.
    expect((await browser("/auth/otp/request", { email: "same@example.com" })).statusCode).toBe(200);
    for (let i = 0; i < 5; i++) {
      expect((await browser("/auth/otp/request", { email: "same@example.com" })).statusCode).toBe(429);
    }
    server.clock.advance(MINUTE);
    expect((await browser("/organizations/current")).statusCode).toBe(200);

    const before = await usage(`/api-keys/${measuredKeyId}/usage?interval=minute`);
    expect(before.json().totals.requests).toBe(0);
    await server.deps.usage.flush();

    const from = new Date(server.clock.now() - 2 * MINUTE).toISOString();
    const response = await usage(`/api-keys/${measuredKeyId}/usage?interval=minute&from=${from}`);
    expect(response.statusCode).toBe(200);
    const body = response.json();
    expect(body).toMatchObject({ object: "api_key_usage", keyId: measuredKeyId, interval: "minute", from });
    expect(body.totals).toEqual({
      requests: 14,
      successes: 7,
      clientErrors: 2,
      serverErrors: 0,
      rateLimited: 5,
      successRate: 0.5,
      errorRate: 0.5,
      lastUsedAt: new Date(server.clock.now()).toISOString(),
    });
    expect(body.series.map((point: { requests: number }) => point.requests)).toEqual([0, 13, 1]);
    expect(body.series[1]).toMatchObject({ successes: 6, clientErrors: 2, rateLimited: 5 });

    const hourly = (await usage(`/api-keys/${measuredKeyId}/usage`)).json();
    expect(hourly.interval).toBe("hour");
    expect(hourly.series).toHaveLength(24);
    expect(hourly.totals.requests).toBe(14);
    expect(hourly.series.at(-1).requests).toBe(14);
  });

  it("adds up the organization by key, by day, and keeps test and live apart", async () => {
    await browser("/organizations/current");
    await call(server.admin, "GET", "/api/v1/experiences", { key: keys.secretLive });
    await call(server.admin, "GET", "/api/v1/experiences/exp_01J0000000000000000000000", { key: keys.secretLive });
    await call(server.admin, "GET", "/api/v1/experiences", { key: keys.secretTest });
    await server.deps.usage.flush();

    const day = (await usage("/usage?interval=day")).json();
    expect(day).toMatchObject({ object: "usage", interval: "day" });
    // Two of them are the setup's: creating the analytics key and listing keys.
    expect(day.totals).toMatchObject({ requests: 5, successes: 4, clientErrors: 1, errorRate: 0.2 });
    expect(day.series.reduce((sum: number, point: { requests: number }) => sum + point.requests, 0)).toBe(5);
    const byKey = Object.fromEntries(day.keys.map((k: { name: string; requests: number }) => [k.name, k.requests]));
    expect(byKey).toEqual({ "Default secret key": 4, "Default publishable key": 1 });
    const testKey = (
      await call(server.admin, "POST", "/api/v1/api-keys", {
        key: keys.secretTest,
        body: { name: "Test analytics", type: "secret", permissions: ["read:analytics"] },
      })
    ).json().key;
    await server.deps.usage.flush();
    const testUsage = await call(server.admin, "GET", "/api/v1/usage", { key: testKey });
    expect(testUsage.json().totals.requests).toBe(2);
  });

  it("keeps minute buckets for 7 days and hour buckets for 90", async () => {
    await browser("/organizations/current");
    await server.deps.usage.flush();
    const at = new Date(server.clock.now() - (server.clock.now() % MINUTE)).toISOString();
    const read = (interval: string) =>
      usage(
        `/api-keys/${measuredKeyId}/usage?interval=${interval}&from=${at}&to=${new Date(Date.parse(at) + HOUR).toISOString()}`,
      );
    server.clock.advance(8 * 24 * HOUR);
    await server.deps.usage.flush();
    expect((await read("minute")).json().totals.requests).toBe(0);
    expect((await read("hour")).json().totals.requests).toBe(1);
    server.clock.advance(90 * 24 * HOUR);
    await server.deps.usage.flush();
    expect((await read("hour")).json().totals.requests).toBe(0);
  });

  it("validates the range and guards the statistics behind read:analytics", async () => {
    const now = new Date(server.clock.now()).toISOString();
    const cases = [
      `/usage?from=${now}&to=${now}`,
      "/usage?interval=minute&from=2026-01-01T00:00:00Z&to=2026-01-05T00:00:00Z",
      "/usage?interval=week",
      "/usage?from=yesterday",
    ];
    for (const path of cases) {
      const response = await usage(path);
      expect(response.statusCode, path).toBe(400);
      expect(response.json().error).toBe("validation_error");
    }
    expect((await usage("/api-keys/key_01J0000000000000000000000/usage")).statusCode).toBe(404);
    const otherOrg = await createTestOrganization(server, "Rival");
    const foreign = await call(server.admin, "GET", `/api/v1/api-keys/${measuredKeyId}/usage`, {
      key: otherOrg.keys.secretLive,
    });
    expect(foreign.statusCode).toBe(404);
    const writer = (
      await call(server.admin, "POST", "/api/v1/api-keys", {
        key: keys.secretLive,
        body: { name: "Writer", type: "secret", permissions: ["write:experiences"] },
      })
    ).json().key;
    expect((await call(server.admin, "GET", "/api/v1/usage", { key: writer })).statusCode).toBe(403);
  });
});
