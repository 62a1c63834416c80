import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { BootstrapKeys } from "../src/modules/orgs/service.js";
import {
  createTestDatabase,
  createTestOrganization,
  createTestQueue,
  createTestServer,
  dialects,
  type TestServer,
} from "./harness.js";
import { call } from "./http.js";
import { runCli } from "./process.js";

const GUESTS_PER_MINUTE_PER_IP = 120;

/** The value of one series, e.g. `fanfare_queue_places{queue="…",state="waiting"}`; undefined when absent. */
function sampleOf(text: string, series: string): number | undefined {
  const line = text.split("\n").find((candidate) => candidate.startsWith(`${series} `));
  return line === undefined ? undefined : Number(line.slice(series.length + 1));
}

describe.each(dialects())("metrics (%s)", (dialect) => {
  let server: TestServer;
  let keys: BootstrapKeys;

  beforeAll(async () => {
    server = await createTestServer(dialect);
    ({ keys } = await createTestOrganization(server));
  });
  afterAll(() => server.close());

  const scrape = () => server.admin.inject({ method: "GET", url: "/metrics" });
  const guest = (remoteAddress: string) =>
    call(server.consumer, "POST", "/api/v1/auth/guest", {
      headers: { "x-publishable-key": keys.publishableLive },
      remoteAddress,
    });

  it("counts requests by route pattern, refusals by limit, arrivals and places, never naming who or what was asked", async () => {
    const queueId = await createTestQueue(server, keys.secretLive);
    const shopper = (await guest("10.9.0.1")).json();
    const entered = await call(server.consumer, "POST", `/api/v1/queues/${queueId}/enter`, {
      key: shopper.accessToken,
      headers: { "x-publishable-key": keys.publishableLive },
    });
    expect(entered.statusCode).toBe(201);
    for (let i = 0; i < GUESTS_PER_MINUTE_PER_IP; i++) await guest("10.9.0.2");
    expect((await guest("10.9.0.2")).statusCode).toBe(429);
    const email = "shopper@example.com";
    expect((await call(server.consumer, "GET", `/api/v1/nowhere/${email}`)).statusCode).toBe(404);
    const second = (await guest("10.9.0.3")).json();
    await call(server.consumer, "POST", `/api/v1/queues/${queueId}/enter`, {
      key: second.accessToken,
      headers: { "x-publishable-key": keys.publishableLive },
    });
    const admitted = await call(server.consumer, "POST", `/api/v1/queues/${queueId}/admit`, {
      key: keys.secretLive,
      body: { count: 1 },
    });
    expect(admitted.statusCode).toBe(200);

    const response = await scrape();
    expect(response.statusCode).toBe(200);
    expect(response.headers["content-type"]).toBe("text/plain; version=0.0.4; charset=utf-8");
    const text = response.body;
    const requests = (api: string, route: string, method: string, status: number) =>
      sampleOf(
        text,
        `fanfare_http_requests_total{api="${api}",route="${route}",method="${method}",status="${status}"}`,
      );
    expect(requests("consumer", "/api/v1/queues/:id/enter", "POST", 201)).toBe(2);
    expect(requests("consumer", "/api/v1/auth/guest", "POST", 200)).toBe(GUESTS_PER_MINUTE_PER_IP + 2);
    expect(requests("consumer", "/api/v1/auth/guest", "POST", 429)).toBe(1);
    expect(requests("consumer", "unmatched", "GET", 404)).toBe(1);
    expect(requests("admin", "/api/v1/experiences/:id/queues", "POST", 201)).toBe(1);
    expect(
      sampleOf(
        text,
        `fanfare_http_request_duration_seconds_count{api="consumer",route="/api/v1/queues/:id/enter",method="POST",status="201"}`,
      ),
    ).toBe(2);
    expect(sampleOf(text, `fanfare_rate_limited_total{api="consumer",limit="guest"}`)).toBe(1);
    // Two shoppers entered one after the other: two batches, each written numbers first.
    expect(sampleOf(text, "fanfare_queue_arrival_batch_size_count")).toBe(2);
    expect(sampleOf(text, `fanfare_queue_arrival_batches_total{path="numbers_first"}`)).toBe(2);
    expect(sampleOf(text, `fanfare_queue_places{queue="${queueId}",state="waiting"}`)).toBe(1);
    expect(sampleOf(text, `fanfare_queue_places{queue="${queueId}",state="admitted"}`)).toBe(1);
    expect(sampleOf(text, `fanfare_queue_admissions_total{queue="${queueId}"}`)).toBe(1);
    // The secret key was read once, then served from memory; the organization likewise.
    expect(sampleOf(text, `fanfare_cache_misses_total{cache="api_key"}`)).toBeGreaterThanOrEqual(1);
    expect(sampleOf(text, `fanfare_cache_hits_total{cache="api_key"}`)).toBeGreaterThanOrEqual(1);
    expect(sampleOf(text, `fanfare_cache_misses_total{cache="organization"}`)).toBeGreaterThanOrEqual(1);
    expect(text).toContain("# TYPE fanfare_code_deliveries_total counter");
    expect(text).toContain("# TYPE fanfare_webhook_delivery_attempts_total counter");
    expect(sampleOf(text, "nodejs_eventloop_lag_seconds")).toBeGreaterThanOrEqual(0);
    expect(sampleOf(text, "fanfare_db_pool_connections")).toSatisfy((connections) =>
      dialect === "postgres" ? (connections as number) >= 1 : connections === undefined,
    );

    for (const secret of [keys.secretLive, keys.publishableLive, shopper.accessToken, shopper.session.consumerId]) {
      expect(text).not.toContain(secret);
    }
    expect(text).not.toContain(email);
    expect(text).not.toContain("nowhere");
  });

  it("counts a re-entry's batch as written lock first", async () => {
    const queueId = await createTestQueue(server, keys.secretLive);
    const shopper = (await guest("10.9.0.4")).json();
    const enter = () =>
      call(server.consumer, "POST", `/api/v1/queues/${queueId}/enter`, {
        key: shopper.accessToken,
        headers: { "x-publishable-key": keys.publishableLive },
      });
    const batches = async (path: string) =>
      sampleOf((await scrape()).body, `fanfare_queue_arrival_batches_total{path="${path}"}`) ?? 0;
    expect((await enter()).statusCode).toBe(201);
    const [numbersFirst, lockFirst] = [await batches("numbers_first"), await batches("lock_first")];
    const left = await call(server.consumer, "POST", `/api/v1/queues/${queueId}/leave`, { key: shopper.accessToken });
    expect(left.statusCode).toBe(200);
    expect((await enter()).statusCode).toBe(201);
    expect(await batches("lock_first")).toBe(lockFirst + 1);
    expect(await batches("numbers_first")).toBe(numbersFirst);
  });

  it("drops a deleted queue from the places at the next scrape", async () => {
    const experience = await call(server.admin, "POST", "/api/v1/experiences", {
      key: keys.secretLive,
      body: { name: "Short-lived" },
    });
    const queueId: string = (
      await call(server.admin, "POST", `/api/v1/experiences/${experience.json().id}/queues`, {
        key: keys.secretLive,
        body: { name: "Gone soon" },
      })
    ).json().id;
    const waiting = `fanfare_queue_places{queue="${queueId}",state="waiting"}`;
    expect(sampleOf((await scrape()).body, waiting)).toBe(0);
    expect((await call(server.admin, "DELETE", `/api/v1/queues/${queueId}`, { key: keys.secretLive })).statusCode).toBe(
      200,
    );
    expect(sampleOf((await scrape()).body, waiting)).toBeUndefined();
  });

  it("leaves test-mode queues out: neither their places nor their admissions are listed", async () => {
    const queueId = await createTestQueue(server, keys.secretTest);
    for (const remoteAddress of ["10.9.1.1", "10.9.1.2"]) {
      const shopper = (
        await call(server.consumer, "POST", "/api/v1/auth/guest", {
          headers: { "x-publishable-key": keys.publishableTest },
          remoteAddress,
        })
      ).json();
      const entered = await call(server.consumer, "POST", `/api/v1/queues/${queueId}/enter`, {
        key: shopper.accessToken,
        headers: { "x-publishable-key": keys.publishableTest },
      });
      expect(entered.statusCode).toBe(201);
    }
    const admitted = await call(server.consumer, "POST", `/api/v1/queues/${queueId}/admit`, {
      key: keys.secretTest,
      body: { count: 1 },
    });
    expect(admitted.statusCode).toBe(200);
    expect(admitted.json().data).toHaveLength(1);

    const text = (await scrape()).body;
    expect(text).toContain("fanfare_queue_places");
    expect(text).not.toContain(queueId);
  });

  it("is served on the admin port only", async () => {
    expect((await server.consumer.inject({ method: "GET", url: "/metrics" })).statusCode).toBe(404);
    const openApi = (await server.admin.inject({ method: "GET", url: "/openapi.json" })).json();
    expect(Object.keys(openApi.paths)).not.toContain("/metrics");
  });
});

describe("metrics behind FANFARE_METRICS_TOKEN", () => {
  const token = "scrape-token-0123456789abcdef";
  let server: TestServer;

  beforeAll(async () => {
    server = await createTestServer("sqlite", { FANFARE_METRICS_TOKEN: token });
  });
  afterAll(() => server.close());

  const scrape = (headers: Record<string, string>) => server.admin.inject({ method: "GET", url: "/metrics", headers });

  it("answers the token only", async () => {
    const refusedHeaders: Record<string, string>[] = [
      {},
      { authorization: "Bearer wrong-token" },
      { authorization: `Basic ${token}` },
    ];
    for (const headers of refusedHeaders) {
      const refused = await scrape(headers);
      expect(refused.statusCode).toBe(401);
      expect(refused.json()).toEqual({ error: "Authentication required" });
    }
    const allowed = await scrape({ authorization: `Bearer ${token}` });
    expect(allowed.statusCode).toBe(200);
    expect(allowed.body).toContain("fanfare_http_requests_total");
    expect(allowed.body).not.toContain(token);
  });
});

describe("metrics in production", () => {
  it("refuses to start without FANFARE_METRICS_TOKEN: /metrics would list every queue to anyone", async () => {
    const database = await createTestDatabase("sqlite");
    try {
      const production = {
        ...database.env,
        NODE_ENV: "production",
        FANFARE_TRUSTED_PROXIES: "127.0.0.1",
        FANFARE_CONSUMER_PORT: "0",
        FANFARE_ADMIN_PORT: "0",
      };
      const result = runCli(["serve"], production);
      expect(result.status).toBe(1);
      expect(result.stderr).toBe(
        "fanfare: Invalid configuration: FANFARE_METRICS_TOKEN is required when NODE_ENV=production: " +
          "GET /metrics on the admin port lists every live queue and answers anyone who reaches that port without it\n",
      );
    } finally {
      await database.drop();
    }
  }, 90_000);
});
