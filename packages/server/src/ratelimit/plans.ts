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
