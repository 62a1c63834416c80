import type { AlertRulesSchema } from "@fanfare/contract";
import type { Static } from "typebox";

/** The alert rules of an organization; each field can be changed on its own. */
export type AlertRules = Static<typeof AlertRulesSchema>;

/**
 * rateLimitApproaching: a secret key used ≥ threshold of its plan's minute, in the last full minute.
 * unusualActivity: a key's last 5 minutes above `multiplier` × its average 5 minutes of the hour before.
 * errorRate: more than `threshold` of a key's requests failed over the last 5 minutes.
 * unusedKey: an active key not used for `days`. rotationDue: a live secret key not regenerated for `days`.
 * codeDeliveryFailing (organization-wide): at least `minFailures` one-time codes given up after
 * their retries since the start of the previous hour, the latest within 15 minutes, and none
 * delivered since.
 */
export const DEFAULT_ALERT_RULES: AlertRules = {
  rateLimitApproaching: { enabled: true, threshold: 0.8 },
  unusualActivity: { enabled: true, multiplier: 5, minRequests: 100 },
  errorRate: { enabled: true, threshold: 0.1, minRequests: 100 },
  unusedKey: { enabled: true, days: 30 },
  rotationDue: { enabled: true, days: 90 },
  codeDeliveryFailing: { enabled: true, minFailures: 3 },
};

export type AlertRulesPatch = { [K in keyof AlertRules]?: Partial<AlertRules[K]> };

/** The defaults with the organization's stored changes applied. */
export function rulesOf(stored: string | null): AlertRules {
  const patch = stored ? (JSON.parse(stored) as AlertRulesPatch) : {};
  return merge(DEFAULT_ALERT_RULES, patch);
}

export function merge(base: AlertRules, patch: AlertRulesPatch): AlertRules {
  return {
    rateLimitApproaching: { ...base.rateLimitApproaching, ...patch.rateLimitApproaching },
    unusualActivity: { ...base.unusualActivity, ...patch.unusualActivity },
    errorRate: { ...base.errorRate, ...patch.errorRate },
    unusedKey: { ...base.unusedKey, ...patch.unusedKey },
    rotationDue: { ...base.rotationDue, ...patch.rotationDue },
    codeDeliveryFailing: { ...base.codeDeliveryFailing, ...patch.codeDeliveryFailing },
  };
}
