import type { ReactNode } from "react";
import type { OrganizationUsageReport } from "../../api/types";
import { formatNumber, formatPercent } from "../../components/format";

interface UsageTotalsProps {
  totals: { requests: number; successRate: number | null; errorRate: number | null };
  children?: ReactNode;
}

/** The headline numbers of a period, as a description list. */
export function UsageTotals({ totals, children }: UsageTotalsProps) {
  return (
    <dl className="stats">
      <div className="stat">
        <dt>Requests</dt>
        <dd>{formatNumber(totals.requests)}</dd>
      </div>
      <div className="stat">
        <dt>Success rate</dt>
        <dd>{formatPercent(totals.successRate)}</dd>
      </div>
      <div className="stat">
        <dt>Error rate</dt>
        <dd>{formatPercent(totals.errorRate)}</dd>
      </div>
      {children}
    </dl>
  );
}

/** Sign-in codes sent to shoppers in the period: a failure means a shopper got no code. */
export function CodeDeliveryStats({ deliveries }: { deliveries: OrganizationUsageReport["codeDeliveries"] }) {
  return (
    <>
      <div className="stat">
        <dt>Codes delivered</dt>
        <dd>{formatNumber(deliveries.delivered)}</dd>
      </div>
      <div className={deliveries.failed > 0 ? "stat stat-warning" : "stat"}>
        <dt>Codes not delivered</dt>
        <dd>{formatNumber(deliveries.failed)}</dd>
      </div>
    </>
  );
}
