import type { Alert } from "../../api/types";

export const ALERT_TYPES: Record<Alert["type"], string> = {
  rate_limit_approaching: "Rate limit approaching",
  unusual_activity: "Unusual activity",
  error_rate: "High error rate",
  unused_key: "Unused key",
  rotation_due: "Rotation due",
  code_delivery_failing: "Codes not delivered",
};

/** An alert's details as "name: value" pairs, with camelCase names spelt out. */
export function detailsText(details: Alert["details"]): string {
  return Object.entries(details)
    .map(([name, value]) => {
      const label = name.replace(/([A-Z])/g, " $1").toLowerCase();
      const shown = typeof value === "number" && value > 0 && value < 1 ? `${Math.round(value * 100)}%` : String(value);
      return `${label}: ${shown}`;
    })
    .join(", ");
}
