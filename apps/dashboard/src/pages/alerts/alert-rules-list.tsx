import { routes } from "@fanfare/sdk";
import { api } from "../../api/client";
import type { AlertRules } from "../../api/types";
import { formatNumber } from "../../components/format";
import { LoadState } from "../../components/load-state";
import { useResource } from "../../components/use-resource";

const percent = (fraction: number) => `${Math.round(fraction * 100)}%`;

function describe(rules: AlertRules): [string, boolean, string][] {
  const { rateLimitApproaching, unusualActivity, errorRate, unusedKey, rotationDue, codeDeliveryFailing } = rules;
  return [
    [
      "Rate limit approaching",
      rateLimitApproaching.enabled,
      `When a key uses ${percent(rateLimitApproaching.threshold)} of its per-minute limit`,
    ],
    [
      "Unusual activity",
      unusualActivity.enabled,
      `When traffic is ${unusualActivity.multiplier}× the usual, from ${formatNumber(unusualActivity.minRequests)} requests`,
    ],
    [
      "High error rate",
      errorRate.enabled,
      `When ${percent(errorRate.threshold)} of requests fail, from ${formatNumber(errorRate.minRequests)} requests`,
    ],
    ["Unused key", unusedKey.enabled, `When a key has not been used for ${unusedKey.days} days`],
    ["Rotation due", rotationDue.enabled, `When a key is older than ${rotationDue.days} days`],
    [
      "Codes not delivered",
      codeDeliveryFailing.enabled,
      `When ${formatNumber(codeDeliveryFailing.minFailures)} sign-in codes in the last hour could not be delivered, and none since`,
    ],
  ];
}

/** The organization's alert rules, read-only. */
export function AlertRulesList() {
  const rules = useResource(() => api.call(routes.getAlertRules, {}));
  return (
    <section aria-labelledby="alert-rules-title">
      <h2 id="alert-rules-title">Alert rules</h2>
      <LoadState resource={rules} what="alert rules">
        {(data) => (
          <dl className="definition-list">
            {describe(data).map(([name, enabled, text]) => (
              <div key={name}>
                <dt>{name}</dt>
                <dd>{enabled ? text : "Off"}</dd>
              </div>
            ))}
          </dl>
        )}
      </LoadState>
    </section>
  );
}
