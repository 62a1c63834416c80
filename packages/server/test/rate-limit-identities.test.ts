import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { Redis } from "ioredis";
import { afterAll, beforeAll, beforeEach, describe, expect, inject, it } from "vitest";
import { ConfigError, loadConfig } from "../src/config.js";
import { rateLimitNetwork } from "../src/lib/ip.js";
import { randomBase62 } from "../src/lib/secrets.js";
import type { BootstrapKeys } from "../src/modules/orgs/service.js";
import { createOrganization } from "../src/modules/orgs/service.js";
import { createTestOrganization, createTestServer, dialects, TEST_SECRET, type TestServer } from "./harness.js";
import { call } from "./http.js";
import { REDIS_URL } from "./services.js";

// Injected requests come from 127.0.0.1, so X-Forwarded-For picks each test client's address.
const BEHIND_PROXY = { FANFARE_TRUSTED_PROXIES: "127.0.0.1" };

describe("the network a per-IP limit counts", () => {
  it("is an IPv4 address itself, an IPv4-mapped address's IPv4, and an IPv6 address's prefix", () => {
    expect(rateLimitNetwork("198.51.100.7", 64)).toBe("198.51.100.7");
    expect(rateLimitNetwork("::ffff:198.51.100.7", 64)).toBe("198.51.100.7");
    expect(rateLimitNetwork("::FFFF:c633:6407", 64)).toBe("198.51.100.7");
    expect(rateLimitNetwork("2001:db8:1:2:aaaa:bbbb:cccc:dddd", 64)).toBe("2001:db8:1:2:0:0:0:0/64");
    expect(rateLimitNetwork("2001:db8:1:2::7%eth0", 64)).toBe("2001:db8:1:2:0:0:0:0/64");
    expect(rateLimitNetwork("2001:db8:abcd:12ff::1", 56)).toBe("2001:db8:abcd:1200:0:0:0:0/56");
    expect(rateLimitNetwork("2001:db8::198.51.100.7", 128)).toBe("2001:db8:0:0:0:0:c633:6407/128");
  });

  it("takes its IPv6 prefix from FANFARE_IPV6_RATE_LIMIT_PREFIX, 32 to 128", () => {
    const env = { FANFARE_SECRET: TEST_SECRET, FANFARE_DATA_DIR: "/nonexistent" };
    expect(loadConfig(env).ipv6RateLimitPrefix).toBe(64);
    expect(loadConfig({ ...env, FANFARE_IPV6_RATE_LIMIT_PREFIX: "48" }).ipv6RateLimitPrefix).toBe(48);
    for (const bad of ["31", "129", "sixty-four"]) {
      const refused = () => loadConfig({ ...env, FANFARE_IPV6_RATE_LIMIT_PREFIX: bad });
      expect(refused).toThrow(ConfigError);
      expect(refused).toThrow(/FANFARE_IPV6_RATE_LIMIT_PREFIX/);
    }
  });

  it("is what every per-IP limit key is built on: no key reads request.ip itself", () => {
    const sources = join(import.meta.dirname, "../src");
    const files = readdirSync(sources, { recursive: true, encoding: "utf8" }).filter((file) => file.endsWith(".ts"));
    const offenders = files.filter((file) =>
      /key: `[^`]*\$\{request\.ip\}/.test(readFileSync(join(sources, file), "utf8")),
    );
    expect(offenders).toEqual([]);
  });
});

describe.each(dialects())("per-IP limits count IPv6 clients by network (%s)", (dialect) => {
  let server: TestServer;
  let keys: BootstrapKeys;

  beforeAll(async () => {
    server = await createTestServer(dialect, BEHIND_PROXY);
  });
  afterAll(() => server.close());
  beforeEach(async () => {
    server.clock.advance(3600_000); // past every window of the previous test
    ({ keys } = await createTestOrganization(server));
  });

  const from = (ip: string, key = keys.publishableTest) => ({ "x-publishable-key": key, "x-forwarded-for": ip });
  const guest = (ip: string) => call(server.consumer, "POST", "/api/v1/auth/guest", { headers: from(ip) });
  const askCode = (ip: string, email: string) =>
    call(server.consumer, "POST", "/api/v1/auth/otp/request", { headers: from(ip), body: { email } });

  it("gives 130 guests from one /64 the one budget of 120 a minute; another /64 keeps its own", async () => {
    const statuses: number[] = [];
    for (let n = 0; n < 130; n++) statuses.push((await guest(`2001:db8:1:2::${(n + 1).toString(16)}`)).statusCode);
    expect(statuses.filter((status) => status === 201 || status === 200)).toHaveLength(120);
    expect(statuses.slice(120).every((status) => status === 429)).toBe(true);
    const neighbour = await guest("2001:db8:1:3::1");
    expect(neighbour.statusCode).toBeLessThan(300);
  });

  it("counts an IPv4-mapped address as its IPv4 (20 code requests in 10 minutes)", async () => {
    for (let n = 0; n < 20; n++) {
      const ip = n % 2 === 0 ? "198.51.100.9" : "::ffff:198.51.100.9";
      expect((await askCode(ip, `mapped-${n}@example.com`)).statusCode).toBe(200);
    }
    expect((await askCode("::ffff:198.51.100.9", "mapped-20@example.com")).statusCode).toBe(429);
    expect((await askCode("198.51.100.10", "mapped-21@example.com")).statusCode).toBe(200);
  });

  it("holds a publishable key's per-client plan budget to one /64 (free plan: 100 a minute)", async () => {
    const free = await createOrganization(server.deps, { name: "Free", plan: "free" });
    const statuses: number[] = [];
    for (let n = 0; n < 101; n++) {
      const response = await call(server.consumer, "POST", "/api/v1/auth/guest", {
        headers: from(`2001:db8:9:9:${n.toString(16)}::1`, free.keys.publishableTest),
      });
      statuses.push(response.statusCode);
    }
    expect(statuses.slice(0, 100).every((status) => status < 300)).toBe(true);
    expect(statuses[100]).toBe(429);
  });

  it("counts dashboard sign-in per /64 too (20 in 10 minutes)", async () => {
    const signIn = (n: number) =>
      call(server.admin, "POST", "/api/v1/dashboard/sign-in", {
        body: { email: `someone-${n}@example.com` },
        headers: { "x-forwarded-for": `2001:db8:7:7::${(n + 1).toString(16)}` },
      });
    for (let n = 0; n < 20; n++) expect((await signIn(n)).statusCode).toBe(202);
    expect((await signIn(20)).statusCode).toBe(429);
  });
});

describe("a wider IPv6 prefix when configured", () => {
  let server: TestServer;
  beforeAll(async () => {
    server = await createTestServer("sqlite", { ...BEHIND_PROXY, FANFARE_IPV6_RATE_LIMIT_PREFIX: "48" });
  });
  afterAll(() => server.close());

  it("puts different /64s of one /48 under one budget", async () => {
    const { keys } = await createTestOrganization(server);
    const askCode = (ip: string, n: number) =>
      call(server.consumer, "POST", "/api/v1/auth/otp/request", {
        headers: { "x-publishable-key": keys.publishableTest, "x-forwarded-for": ip },
        body: { email: `wide-${n}@example.com` },
      });
    for (let n = 0; n < 20; n++) expect((await askCode(`2001:db8:5:${n.toString(16)}::1`, n)).statusCode).toBe(200);
    expect((await askCode("2001:db8:5:ff::1", 20)).statusCode).toBe(429);
    expect((await askCode("2001:db8:6::1", 21)).statusCode).toBe(200);
  });
});

describe.runIf(inject("redis"))("limiter keys in Redis", () => {
  let server: TestServer;
  let redis: Redis;
  beforeAll(async () => {
    server = await createTestServer("sqlite", { ...BEHIND_PROXY, FANFARE_REDIS_URL: REDIS_URL });
    redis = new Redis(REDIS_URL);
  });
  afterAll(async () => {
    redis.disconnect();
    await server.close();
  });

  async function limiterKeys(): Promise<string[]> {
    const found: string[] = [];
    let cursor = "0";
    do {
      const [next, batch] = await redis.scan(cursor, "MATCH", "fanfare:rl:*", "COUNT", 1000);
      cursor = next;
      found.push(...batch);
    } while (cursor !== "0");
    return found;
  }

  it("hold no email, phone or address: the limit's name and an HMAC of the rest", async () => {
    const { organization, keys } = await createTestOrganization(server);
    // All unique to this run: the shared Redis also holds other tests' counters.
    const local = `shopper-${randomBase62(10).toLowerCase()}`;
    const email = `${local}@example.com`;
    const group = (1 + Math.floor(Math.random() * 0xfffe)).toString(16);
    const ip = `2001:db8:${group}::77`;
    const phone = `+120255501${String(Math.floor(Math.random() * 100)).padStart(2, "0")}`;
    const headers = { "x-publishable-key": keys.publishableTest, "x-forwarded-for": ip };
    const request = () => call(server.consumer, "POST", "/api/v1/auth/otp/request", { headers, body: { email } });
    for (let n = 0; n < 5; n++) {
      expect((await request()).statusCode).toBe(200);
      server.clock.advance(60_000);
    }
    // Still one counter per identifier: the sixth request in 10 minutes is refused.
    expect((await request()).statusCode).toBe(429);
    const verify = await call(server.consumer, "POST", "/api/v1/auth/otp/verify", {
      headers,
      body: { phone, code: "000000" },
    });
    expect(verify.statusCode).toBe(401);
    await call(server.admin, "POST", "/api/v1/dashboard/sign-in", {
      body: { email },
      headers: { "x-forwarded-for": ip },
    });

    const stored = await limiterKeys();
    expect(stored.some((key) => key.startsWith("fanfare:rl:600000:otp-request:"))).toBe(true);
    expect(stored.some((key) => key.startsWith("fanfare:rl:3600000:otp-verify:"))).toBe(true);
    expect(stored.some((key) => key.startsWith("fanfare:rl:60000:dashboard-sign-in:"))).toBe(true);
    for (const clear of [local, phone.slice(1), ip, `2001:db8:${group}:0:0:0:0:0/64`, organization.id]) {
      expect(stored.filter((key) => key.includes(clear))).toEqual([]);
    }
  });
});
