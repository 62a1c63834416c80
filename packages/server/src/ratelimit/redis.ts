import { Redis } from "ioredis";
import type { Logger } from "pino";
import type { Clock } from "../lib/clock.js";
import { decide, type LimitDecision, LimiterUnavailableError, type RateLimiter } from "./limiter.js";
import { MemoryLimiter } from "./memory.js";

/** Failure mode `closed`: without the shared counters, nothing rate-limited is served. */
const limiterUnavailable = () => new LimiterUnavailableError(5);

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

/**
 * Shared limits through Redis. If Redis cannot be reached the server keeps serving with a
 * local limiter (logged once), and goes back to Redis when it answers again.
 */
export class RedisLimiter implements RateLimiter {
  readonly backend = "redis" as const;
  private readonly redis: Redis;
  private readonly fallback: MemoryLimiter;
  private unreachable = false;

  constructor(
    url: string,
    private readonly clock: Clock,
    private readonly logger: Logger,
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

  async consume(key: string, limit: number, windowMs: number): Promise<LimitDecision> {
    const now = this.clock.now();
    const windowStartMs = now - (now % windowMs);
    const base = `fanfare:rl:${windowMs}:${key}`;
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
      if (this.failureMode === "closed") throw limiterUnavailable();
      return this.fallback.consume(key, limit, windowMs);
    }
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
