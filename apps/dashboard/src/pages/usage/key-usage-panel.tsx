import { routes } from "@fanfare/sdk";
import { api } from "../../api/client";
import { LoadState } from "../../components/load-state";
import { Timestamp } from "../../components/timestamp";
import { useResource } from "../../components/use-resource";
import { RateLimitMeter } from "./rate-limit-meter";
import { UsageChart } from "./usage-chart";
import { type UsageRange, usageQuery } from "./usage-range";
import { UsageTotals } from "./usage-totals";

interface KeyUsagePanelProps {
  keyId: string;
  name: string;
  range: UsageRange;
}

/** One key's numbers over the chosen range, and its standing against the per-minute limit. */
export function KeyUsagePanel({ keyId, name, range }: KeyUsagePanelProps) {
  const usage = useResource(
    () => api.call(routes.getKeyUsage, { params: { id: keyId }, query: usageQuery(range, new Date()) }),
    `${keyId}:${range.value}`,
  );
  return (
    <section className="panel" aria-labelledby="key-usage-title">
      <h2 id="key-usage-title">{name}</h2>
      <LoadState resource={usage} what="key usage">
        {(report) => (
          <>
            <UsageTotals totals={report.totals}>
              <div className="stat">
                <dt>Last used</dt>
                <dd>
                  <Timestamp iso={report.totals.lastUsedAt} fallback="Never" />
                </dd>
              </div>
            </UsageTotals>
            {report.rateLimit && <RateLimitMeter rateLimit={report.rateLimit} />}
            <UsageChart series={report.series} interval={report.interval} label={`Requests over time for ${name}`} />
          </>
        )}
      </LoadState>
    </section>
  );
}
