import { Redis } from "ioredis";
import type { Logger } from "pino";
import type { Clock } from "../lib/clock.js";
import { LruCache } from "../lib/lru.js";
import { hmacSha256 } from "../lib/secrets.js";
import {
  type ConsumeOptions,
  decide,
  type LimitDecision,
  LimiterUnavailableError,
  type RateLimiter,
} from "./limiter.js";
import { MemoryLimiter } from "./memory.js";

/** Failure mode `closed`: without the shared counters, nothing rate-limited is served. */
const limiterUnavailable = () => new LimiterUnavailableError(5);
/** How long a Redis found unreachable is left alone before a request tries it again. */
const RETRY_UNREACHABLE_MS = 1000;

// Atomic: read both windows, decide, and count only an allowed request — all in one script,
// so processes sharing Redis enforce one combined limit.
const SCRIPT = `
local current = tonumber(redis.call('GET', KEYS[1]) or '0')
local previous = tonumber(redis.call('GET', KEYS[2]) or '0')
local limit = tonumber(ARGV[1])
local weight = tonumber(ARGV[2])
if previous * weight + current + 1 <= limit then
  current = redis.call('INCR', KEYS[1])
  redis.call('PEXPIRE', KEYS[1], ARGV[3])
  return {1, current - 1, previous}
end
return {0, current, previous}
`;

/** Keys counted often (a key's plan budget, a busy client) are digested once, not per request. */
const DIGESTS_KEPT = 10_000;

/**
 * Shared limits through Redis. If Redis cannot be reached the server keeps serving with a
 * local limiter (logged once), and goes back to Redis when it answers again.
 */
export class RedisLimiter implements RateLimiter {
  readonly backend = "redis" as const;
  private readonly redis: Redis;
  private readonly fallback: MemoryLimiter;
  private readonly digests = new LruCache<string, string>(DIGESTS_KEPT);
  private unreachable = false;
  private lastAttemptMs = 0;

  /** `keyDigestKey` (HKDF-derived) names every counter in Redis by a MAC of what it counts. */
  constructor(
    url: string,
    private readonly clock: Clock,
    private readonly logger: Logger,
    private readonly keyDigestKey: Buffer,
    private readonly failureMode: "open" | "closed" = "open",
  ) {
    this.redis = new Redis(url, {
      maxRetriesPerRequest: 0,
      enableOfflineQueue: false,
      commandTimeout: 200,
      // Every request counts against a limit: the counts asked in one event-loop turn share one
      // socket write (a write system call per command cost more than the script it ran).
      enableAutoPipelining: true,
    });
    this.redis.on("error", () => {});
    this.redis.defineCommand("slidingWindow", { numberOfKeys: 2, lua: SCRIPT });
    this.fallback = new MemoryLimiter(clock);
  }

  /** Waits (up to a bound) for the first connection, so start-up does not begin degraded. */
  async connect(timeoutMs = 2000): Promise<void> {
    if (this.redis.status === "ready") return;
    await new Promise<void>((resolve) => {
      const timer = setTimeout(resolve, timeoutMs);
      this.redis.once("ready", () => {
        clearTimeout(timer);
        resolve();
      });
    });
  }

  get degraded(): boolean {
    return this.unreachable;
  }

  async consume(key: string, limit: number, windowMs: number, options: ConsumeOptions = {}): Promise<LimitDecision> {
    const now = this.clock.now();
    // While Redis is known to be out of reach, only one request a second pays the command
    // timeout to find out whether it is back; the others are decided at once.
    if (this.unreachable && Date.now() - this.lastAttemptMs < RETRY_UNREACHABLE_MS) {
      return this.unavailable(key, limit, windowMs, options);
    }
    this.lastAttemptMs = Date.now();
    const windowStartMs = now - (now % windowMs);
    const base = `fanfare:rl:${windowMs}:${this.storedKey(key)}`;
    try {
      const [allowed, current, previous] = (await (
        this.redis as unknown as { slidingWindow(...args: (string | number)[]): Promise<number[]> }
      ).slidingWindow(
        `${base}:${windowStartMs}`,
        `${base}:${windowStartMs - windowMs}`,
        limit,
        1 - (now - windowStartMs) / windowMs,
        windowMs * 2,
      )) as [number, number, number];
      this.reached();
      const decision = decide(previous, current, limit, windowMs, windowStartMs, now);
      return allowed === 1 ? { ...decision, allowed: true } : { ...decision, allowed: false };
    } catch (err) {
      this.lost(err);
      return this.unavailable(key, limit, windowMs, options);
    }
  }

  private unavailable(key: string, limit: number, windowMs: number, options: ConsumeOptions): Promise<LimitDecision> {
    if (this.failureMode === "closed" && !options.localWhenUnavailable) throw limiterUnavailable();
    return this.fallback.consume(key, limit, windowMs);
  }

  /**
   * What Redis is told: the limit's name, then an HMAC of the rest — emails, phones, addresses
   * and ids never sit in Redis in the clear, yet the same key always lands on the same counter.
   */
  private storedKey(key: string): string {
    let stored = this.digests.get(key);
    if (stored === undefined) {
      const colon = key.indexOf(":");
      const name = colon === -1 ? "" : key.slice(0, colon + 1);
      stored = `${name}${hmacSha256(this.keyDigestKey, key).toString("base64url")}`;
      this.digests.set(key, stored);
    }
    return stored;
  }

  async probe(): Promise<void> {
    try {
      await this.redis.ping();
      this.reached();
    } catch (err) {
      this.lost(err);
    }
  }

  /** Transitions are logged once each way. */
  private reached(): void {
    if (this.unreachable) this.logger.info("rate limiting is shared through Redis again");
    this.unreachable = false;
  }

  private lost(err: unknown): void {
    if (!this.unreachable) {
      const what = this.failureMode === "open" ? "rate limiting locally" : "refusing rate-limited requests";
      this.logger.error({ err }, `Redis unreachable: ${what} until it returns`);
    }
    this.unreachable = true;
  }

  async close(): Promise<void> {
    this.redis.disconnect();
  }
}
