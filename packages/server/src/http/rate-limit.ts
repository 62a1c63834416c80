import type { FastifyReply, FastifyRequest } from "fastify";
import type { Deps } from "../deps.js";
import { rateLimitNetwork } from "../lib/ip.js";
import type { ConsumeOptions, LimitDecision, RateLimiter } from "../ratelimit/limiter.js";
import { planLimitPerMinute } from "../ratelimit/plans.js";
import { type AppError, errors, RateLimitError } from "./errors.js";

export interface Limit {
  /** What is being counted, e.g. `otp-request:ip:<org>:<mode>:<ip>`; its first segment names the limit in metrics. */
  key: string;
  limit: number;
  windowMs: number;
}

const MINUTE = 60_000;

export function rateLimitExceeded(retryAfterSeconds: number): AppError {
  return new RateLimitError(retryAfterSeconds);
}

// Only a plain word: the rest of a key holds ids, addresses and emails, which never reach metrics.
const LIMIT_NAME = /^[a-z-]+(?=:)/;

/** The X-RateLimit-* headers show the tightest limit the request was counted against. */
function showTightest(reply: FastifyReply, decision: LimitDecision): void {
  const shown = reply.getHeader("x-ratelimit-remaining");
  if (shown !== undefined && Number(shown) <= decision.remaining) return;
  reply.header("x-ratelimit-limit", String(decision.limit));
  reply.header("x-ratelimit-remaining", String(decision.remaining));
  reply.header("x-ratelimit-reset", String(Math.ceil(decision.resetAtMs / 1000)));
}

/**
 * Counts the request against each limit, in order. Over a limit: 429 with Retry-After, and
 * nothing else happens for the request.
 */
export async function enforceLimits(
  limiter: RateLimiter,
  reply: FastifyReply,
  limits: Limit[],
  options?: ConsumeOptions,
): Promise<void> {
  for (const { key, limit, windowMs } of limits) {
    const decision = await limiter.consume(key, limit, windowMs, options);
    showTightest(reply, decision);
    if (!decision.allowed) {
      throw new RateLimitError(Math.ceil(decision.retryAfterMs / 1000), LIMIT_NAME.exec(key)?.[0]);
    }
  }
}

/**
 * The client a per-IP limit counts: every per-IP key is built on this, never on `request.ip`,
 * so an IPv6 client cannot multiply its budget by walking the addresses of its own /64.
 */
export function clientOf(deps: Pick<Deps, "config">, request: FastifyRequest): string {
  return rateLimitNetwork(request.ip, deps.config.ipv6RateLimitPrefix);
}

/**
 * Who the plan's budget belongs to. A secret key is one caller. A publishable key is shared by
 * every shopper's browser, so its budget is per client — the consumer session when there is
 * one, else the IP — and a surge of real shoppers never throttles the key as a whole.
 */
function planBucket(deps: Deps, request: FastifyRequest): string | undefined {
  const auth = request.auth;
  if (auth?.key?.record.kind === "secret") return `plan:key:${auth.key.record.id}`;
  if (auth?.member) return `plan:member:${auth.member.memberId}`;
  if (auth?.consumer) return `plan:session:${auth.consumer.sessionId}`;
  if (auth?.key) return `plan:pk:${auth.key.record.id}:ip:${clientOf(deps, request)}`;
  return undefined;
}

/** The plan's per-minute limit, applied to every authenticated request right after authentication. */
export async function enforcePlanLimit(deps: Deps, request: FastifyRequest, reply: FastifyReply): Promise<void> {
  const bucket = planBucket(deps, request);
  if (!bucket || !request.auth) return;
  const organization = await deps.organizations.get(request.auth.tenant.organizationId);
  if (!organization) throw errors.invalidApiKey();
  // A route that takes a credential's power away must work while the shared limiter is down.
  await enforceLimits(
    deps.limiter,
    reply,
    [{ key: bucket, limit: planLimitPerMinute(organization), windowMs: MINUTE }],
    {
      localWhenUnavailable: request.routeOptions.config.revokes === true,
    },
  );
}
