import { pino } from "pino";
import { afterEach, describe, expect, inject, it } from "vitest";
import { randomBase62 } from "../src/lib/secrets.js";
import { decide, type RateLimiter } from "../src/ratelimit/limiter.js";
import { MemoryLimiter } from "../src/ratelimit/memory.js";
import { RedisLimiter } from "../src/ratelimit/redis.js";
import { ManualClock } from "./clock.js";
import { LogCapture } from "./harness.js";
import { REDIS_URL } from "./services.js";

const WINDOW = 60_000;
const silent = pino({ level: "silent" });
const KEY_DIGEST_KEY = Buffer.alloc(32, 7);
const backends = inject("redis") ? (["memory", "redis"] as const) : (["memory"] as const);

describe.each(backends)("rate limiter (%s)", (backend) => {
  const open: RateLimiter[] = [];
  afterEach(async () => {
    for (const limiter of open.splice(0)) await limiter.close();
  });

  async function limiter(clock: ManualClock): Promise<RateLimiter> {
    const created =
      backend === "redis" ? new RedisLimiter(REDIS_URL, clock, silent, KEY_DIGEST_KEY) : new MemoryLimiter(clock);
    if (created instanceof RedisLimiter) await created.connect();
    open.push(created);
    return created;
  }
  // Windows are aligned to multiples of the window length; start at one.
  const clockAtWindowStart = () => new ManualClock(Date.parse("2026-01-15T12:00:00.000Z"));
  const key = () => `test:${randomBase62(12)}`;

  it("allows exactly the limit in a window, counting down, then refuses with a retry time", async () => {
    const clock = clockAtWindowStart();
    const rl = await limiter(clock);
    const k = key();
    const remaining: number[] = [];
    for (let i = 0; i < 5; i++) {
      const decision = await rl.consume(k, 5, WINDOW);
      expect(decision.allowed).toBe(true);
      remaining.push(decision.remaining);
    }
    expect(remaining).toEqual([4, 3, 2, 1, 0]);
    const refused = await rl.consume(k, 5, WINDOW);
    expect(refused).toMatchObject({ allowed: false, remaining: 0, resetAtMs: clock.now() + WINDOW });
    expect(refused.retryAfterMs).toBeGreaterThan(0);
    expect(await rl.consume(key(), 5, WINDOW)).toMatchObject({ allowed: true }); // other keys unaffected
  });

  it("counts a burst that straddles a window edge (no double budget at the boundary)", async () => {
    const clock = clockAtWindowStart();
    const rl = await limiter(clock);
    const k = key();
    clock.advance(WINDOW - 1000); // the last second of window 1
    for (let i = 0; i < 10; i++) expect((await rl.consume(k, 10, WINDOW)).allowed).toBe(true);
    clock.advance(1000); // window 2 starts: the previous window still weighs ~100%
    const edge = await rl.consume(k, 10, WINDOW);
    expect(edge.allowed).toBe(false);
    clock.advance(WINDOW / 2); // half-way: the previous window weighs 50% → 5 used
    let allowed = 0;
    for (let i = 0; i < 10; i++) if ((await rl.consume(k, 10, WINDOW)).allowed) allowed++;
    expect(allowed).toBe(5); // 10 × 50% still counted + 5 new = the limit of 10
  });

  it("frees up after the retry time it announced", async () => {
    const clock = clockAtWindowStart();
    const rl = await limiter(clock);
    const k = key();
    for (let i = 0; i < 3; i++) await rl.consume(k, 3, WINDOW);
    const refused = await rl.consume(k, 3, WINDOW);
    clock.advance(refused.retryAfterMs);
    expect((await rl.consume(k, 3, WINDOW)).allowed).toBe(true);
  });
});

describe.runIf(inject("redis"))("rate limiter shared through Redis", () => {
  it("enforces one combined limit for two processes", async () => {
    const clock = new ManualClock(Date.parse("2026-01-15T12:00:00.000Z"));
    const a = new RedisLimiter(REDIS_URL, clock, silent, KEY_DIGEST_KEY);
    const b = new RedisLimiter(REDIS_URL, clock, silent, KEY_DIGEST_KEY);
    await Promise.all([a.connect(), b.connect()]);
    try {
      const k = `shared:${randomBase62(12)}`;
      const results = await Promise.all(
        Array.from({ length: 40 }, (_, i) => (i % 2 === 0 ? a : b).consume(k, 25, WINDOW)),
      );
      expect(results.filter((r) => r.allowed)).toHaveLength(25);
      expect(a.degraded || b.degraded).toBe(false);
    } finally {
      await a.close();
      await b.close();
    }
  });
});

describe("rate limiter without Redis", () => {
  it("keeps limiting locally when Redis is unreachable, and says so once", async () => {
    const logs = new LogCapture();
    const clock = new ManualClock(Date.parse("2026-01-15T12:00:00.000Z"));
    const rl = new RedisLimiter("redis://127.0.0.1:1", clock, pino(logs), KEY_DIGEST_KEY);
    await rl.connect(200);
    try {
      const results = [];
      for (let i = 0; i < 4; i++) results.push((await rl.consume("k", 3, WINDOW)).allowed);
      expect(results).toEqual([true, true, true, false]);
      expect(rl.degraded).toBe(true);
      expect(logs.lines.filter((line) => line.includes("rate limiting locally"))).toHaveLength(1);
    } finally {
      await rl.close();
    }
  });

  it("decides purely from counts", () => {
    expect(decide(0, 0, 1, WINDOW, 0, 0)).toMatchObject({ allowed: true, remaining: 0 });
    // Full now; next window the previous one still weighs in, so room only when it has slid out.
    expect(decide(0, 1, 1, WINDOW, 0, 30_000)).toMatchObject({ allowed: false, retryAfterMs: 90_000 });
    expect(decide(4, 0, 4, WINDOW, 0, 30_000)).toMatchObject({ allowed: true, remaining: 1 });
  });
});
