import { Type } from "typebox";

/** The alert rules of an organization; each field can be changed on its own. */
export interface AlertRules {
  /** A secret key used ≥ threshold of its per-minute plan limit in the last full minute. */
  rateLimitApproaching: { enabled: boolean; threshold: number };
  /** A key's last 5 minutes above `multiplier` × its average 5 minutes over the hour before. */
  unusualActivity: { enabled: boolean; multiplier: number; minRequests: number };
  /** More than `threshold` of a key's requests failed over the last 5 minutes. */
  errorRate: { enabled: boolean; threshold: number; minRequests: number };
  /** An active key not used for `days`. */
  unusedKey: { enabled: boolean; days: number };
  /** A live secret key not regenerated for `days` (the seed's rotation schedule). */
  rotationDue: { enabled: boolean; days: number };
}

export const DEFAULT_ALERT_RULES: AlertRules = {
  rateLimitApproaching: { enabled: true, threshold: 0.8 },
  unusualActivity: { enabled: true, multiplier: 5, minRequests: 100 },
  errorRate: { enabled: true, threshold: 0.1, minRequests: 100 },
  unusedKey: { enabled: true, days: 30 },
  rotationDue: { enabled: true, days: 90 },
};

const Enabled = Type.Boolean();
const Fraction = Type.Number({ exclusiveMinimum: 0, maximum: 1 });
const Volume = Type.Integer({ minimum: 1, maximum: 10_000_000 });
const Days = Type.Integer({ minimum: 1, maximum: 3650 });

export const AlertRulesSchema = Type.Object({
  rateLimitApproaching: Type.Object({ enabled: Enabled, threshold: Fraction }),
  unusualActivity: Type.Object({
    enabled: Enabled,
    multiplier: Type.Number({ minimum: 1.1, maximum: 1000 }),
    minRequests: Volume,
  }),
  errorRate: Type.Object({ enabled: Enabled, threshold: Fraction, minRequests: Volume }),
  unusedKey: Type.Object({ enabled: Enabled, days: Days }),
  rotationDue: Type.Object({ enabled: Enabled, days: Days }),
});

/** A PUT body: any rule, any of its fields. */
export const AlertRulesChange = Type.Object(
  Object.fromEntries(
    Object.entries(AlertRulesSchema.properties).map(([name, rule]) => [
      name,
      Type.Optional(Type.Partial(rule, { additionalProperties: false })),
    ]),
  ),
  { additionalProperties: false, minProperties: 1 },
);

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
  };
}
