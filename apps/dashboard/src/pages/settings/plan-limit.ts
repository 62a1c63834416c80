import type { Organization } from "../../api/types";

const PLAN_LIMITS: Record<string, number> = { free: 100, basic: 1_000, pro: 10_000 };

/** Requests per minute per key; enterprise organizations carry their own figure. */
export function planLimit(organization: Pick<Organization, "plan" | "rateLimitPerMinute">): number | null {
  if (organization.plan === "enterprise") return organization.rateLimitPerMinute;
  return PLAN_LIMITS[organization.plan] ?? null;
}
