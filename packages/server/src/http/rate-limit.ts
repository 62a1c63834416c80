import type { FastifyReply } from "fastify";
import type { RateLimiter } from "../ratelimit/limiter.js";
import { AppError } from "./errors.js";

export interface Limit {
  /** What is being counted, e.g. `otp-request:ip:<org>:<mode>:<ip>`. */
  key: string;
  limit: number;
  windowMs: number;
}

export function rateLimitExceeded(retryAfterSeconds: number): AppError {
  return new AppError(
    429,
    { error: "Rate limit exceeded", retryAfter: retryAfterSeconds },
    { "retry-after": String(retryAfterSeconds) },
  );
}

/**
 * Counts the request against each limit, in order, and sets the X-RateLimit-* headers of the
 * tightest one. Over a limit: 429 with Retry-After, and nothing else happens for the request.
 */
export async function enforceLimits(limiter: RateLimiter, reply: FastifyReply, limits: Limit[]): Promise<void> {
  for (const { key, limit, windowMs } of limits) {
    const decision = await limiter.consume(key, limit, windowMs);
    reply.header("x-ratelimit-limit", String(decision.limit));
    reply.header("x-ratelimit-remaining", String(decision.remaining));
    reply.header("x-ratelimit-reset", String(Math.ceil(decision.resetAtMs / 1000)));
    if (!decision.allowed) throw rateLimitExceeded(Math.ceil(decision.retryAfterMs / 1000));
  }
}
