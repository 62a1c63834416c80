/** The outcome of one request against one limit. */
export interface LimitDecision {
  allowed: boolean;
  limit: number;
  remaining: number;
  /** When the current window ends (ms since epoch): `X-RateLimit-Reset`. */
  resetAtMs: number;
  /** When denied: how long until a request would be allowed. */
  retryAfterMs: number;
}

/**
 * The shared backend is out of reach and the limiter is set to fail closed: the request must not
 * go ahead uncounted. HTTP answers it with 503 and `Retry-After`.
 */
export class LimiterUnavailableError extends Error {
  constructor(readonly retryAfterSeconds: number) {
    super("the rate limiter's backend is unreachable");
    this.name = "LimiterUnavailableError";
  }
}

export interface ConsumeOptions {
  localWhenUnavailable?: boolean;
}

/**
 * Sliding-window limiter: the previous fixed window's count, weighted by how much of it still
 * overlaps the sliding window, plus the current window's count. Correct at window edges (a
 * burst straddling a boundary is still counted), O(1) memory per key.
 */
export interface RateLimiter {
  readonly backend: "memory" | "redis";
  /** True while a shared backend is unreachable and limits are kept per process (or refused). */
  readonly degraded: boolean;
  /** `localWhenUnavailable`: counted per process, never refused, while the shared backend is out of reach. */
  consume(key: string, limit: number, windowMs: number, options?: ConsumeOptions): Promise<LimitDecision>;
  /** Checks the backend now (for `/readyz`), so recovery is seen even when no request is counted. */
  probe(): Promise<void>;
  close(): Promise<void>;
}

/** Pure: the decision for counts already known. `current` excludes this request. */
export function decide(
  previous: number,
  current: number,
  limit: number,
  windowMs: number,
  windowStartMs: number,
  nowMs: number,
): LimitDecision {
  const elapsed = nowMs - windowStartMs;
  const weight = 1 - elapsed / windowMs;
  const used = previous * weight + current;
  const resetAtMs = windowStartMs + windowMs;
  if (used + 1 <= limit) {
    return { allowed: true, limit, remaining: Math.max(0, Math.floor(limit - used - 1)), resetAtMs, retryAfterMs: 0 };
  }
  // When will the weighted count have room for one more?
  let retryAfterMs: number;
  if (current + 1 <= limit && previous > 0) {
    const until = windowMs * (1 - (limit - 1 - current) / previous);
    retryAfterMs = Math.max(1, Math.ceil(until - elapsed));
  } else {
    const intoNext = current > 0 ? Math.max(0, windowMs * (1 - (limit - 1) / current)) : 0;
    retryAfterMs = Math.max(1, Math.ceil(resetAtMs - nowMs + intoNext));
  }
  return { allowed: false, limit, remaining: 0, resetAtMs, retryAfterMs };
}
