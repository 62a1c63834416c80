import type { Plan } from "../db/schema.js";

/** Requests per minute each plan allows a secret key, or each browser client of a publishable key. */
export const PLAN_LIMITS_PER_MINUTE: Readonly<Record<Exclude<Plan, "enterprise">, number>> = {
  free: 100,
  basic: 1_000,
  pro: 10_000,
};

export function planLimitPerMinute(organization: { plan: Plan; rateLimitPerMinute: number | null }): number {
  if (organization.plan === "enterprise") return organization.rateLimitPerMinute ?? PLAN_LIMITS_PER_MINUTE.pro;
  return PLAN_LIMITS_PER_MINUTE[organization.plan];
}

/**
 * Live streams (`GET /queues/:id/events`) one process holds open at once: for each key or
 * dashboard member, and for the whole organization. A stream costs for as long as it is open,
 * which a per-minute limit never sees (it counts only the opening request).
 */
export const PLAN_LIVE_STREAMS: Readonly<Record<Plan, { perCredential: number; perOrganization: number }>> = {
  free: { perCredential: 5, perOrganization: 10 },
  basic: { perCredential: 10, perOrganization: 50 },
  pro: { perCredential: 25, perOrganization: 200 },
  enterprise: { perCredential: 50, perOrganization: 500 },
};
