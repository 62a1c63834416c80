import type { Clock } from "../lib/clock.js";
import { decide, type LimitDecision, type RateLimiter } from "./limiter.js";

interface Counter {
  windowStartMs: number;
  previous: number;
  current: number;
}

const SWEEP_EVERY = 10_000;

/** One process's limiter. Also the fallback when Redis is unreachable. */
export class MemoryLimiter implements RateLimiter {
  readonly backend = "memory" as const;
  readonly degraded = false;
  private readonly counters = new Map<string, Counter>();
  private operations = 0;

  constructor(private readonly clock: Clock) {}

  async consume(key: string, limit: number, windowMs: number): Promise<LimitDecision> {
    const now = this.clock.now();
    const windowStartMs = now - (now % windowMs);
    const counter = this.roll(`${windowMs}:${key}`, windowStartMs, windowMs);
    const decision = decide(counter.previous, counter.current, limit, windowMs, windowStartMs, now);
    if (decision.allowed) counter.current += 1;
    if (++this.operations % SWEEP_EVERY === 0) this.sweep(now);
    return decision;
  }

  async probe(): Promise<void> {}

  async close(): Promise<void> {}

  private roll(id: string, windowStartMs: number, windowMs: number): Counter {
    let counter = this.counters.get(id);
    if (!counter) {
      counter = { windowStartMs, previous: 0, current: 0 };
      this.counters.set(id, counter);
    } else if (counter.windowStartMs !== windowStartMs) {
      const adjacent = counter.windowStartMs + windowMs === windowStartMs;
      counter.previous = adjacent ? counter.current : 0;
      counter.current = 0;
      counter.windowStartMs = windowStartMs;
    }
    return counter;
  }

  /** Drops counters idle for two windows, so memory follows active clients only. */
  private sweep(now: number): void {
    for (const [id, counter] of this.counters) {
      const windowMs = Number(id.slice(0, id.indexOf(":")));
      if (now - counter.windowStartMs >= 2 * windowMs) this.counters.delete(id);
    }
  }
}
