import { routes } from "@fanfare/sdk";
import { useId, useState } from "react";
import { api } from "../../api/client";
import { LoadState } from "../../components/load-state";
import { useResource } from "../../components/use-resource";
import { KeyUsagePanel } from "./key-usage-panel";
import { UsageChart } from "./usage-chart";
import { type KeyUsageRow, UsageKeysTable } from "./usage-keys-table";
import { RANGES, usageQuery } from "./usage-range";
import { CodeDeliveryStats, UsageTotals } from "./usage-totals";

/** Usage only lists keys that saw traffic; quiet keys join with zero requests so they can be picked. */
async function loadUsage(query: ReturnType<typeof usageQuery>) {
  const [usage, keys] = await Promise.all([
    api.call(routes.getOrganizationUsage, { query }),
    api.call(routes.listApiKeys, { query: { first: 100 } }).catch(() => undefined),
  ]);
  const rows: KeyUsageRow[] = [...usage.keys];
  for (const key of keys?.data ?? []) {
    if (!rows.some((row) => row.keyId === key.id)) {
      rows.push({
        keyId: key.id,
        name: key.name,
        type: key.type,
        requests: 0,
        errorRate: null,
        lastUsedAt: key.lastUsedAt,
      });
    }
  }
  return { usage, rows };
}

export function UsagePage() {
  const [rangeValue, setRangeValue] = useState<string>("day");
  const [keyId, setKeyId] = useState("");
  const rangeId = useId();
  const keyFieldId = useId();
  const range = RANGES.find((option) => option.value === rangeValue) ?? RANGES[1];
  const data = useResource(() => loadUsage(usageQuery(range, new Date())), range.value);

  return (
    <>
      <div className="page-header">
        <h1>Usage</h1>
      </div>
      <div className="toolbar">
        <div className="field field-inline">
          <label htmlFor={rangeId}>Range</label>
          <select id={rangeId} value={range.value} onChange={(event) => setRangeValue(event.target.value)}>
            {RANGES.map((option) => (
              <option key={option.value} value={option.value}>
                {option.label}
              </option>
            ))}
          </select>
        </div>
        {data.status === "ready" && (
          <div className="field field-inline">
            <label htmlFor={keyFieldId}>Key</label>
            <select id={keyFieldId} value={keyId} onChange={(event) => setKeyId(event.target.value)}>
              <option value="">All keys</option>
              {data.data.rows.map((row) => (
                <option key={row.keyId} value={row.keyId}>
                  {row.name ?? row.keyId}
                </option>
              ))}
            </select>
          </div>
        )}
      </div>

      <LoadState resource={data} what="usage">
        {({ usage, rows }) => {
          const selected = rows.find((row) => row.keyId === keyId);
          return (
            <>
              {selected ? (
                <KeyUsagePanel keyId={selected.keyId} name={selected.name ?? selected.keyId} range={range} />
              ) : (
                <section className="panel" aria-labelledby="org-usage-title">
                  <h2 id="org-usage-title">All keys — {range.label.toLowerCase()}</h2>
                  <UsageTotals totals={usage.totals}>
                    <CodeDeliveryStats deliveries={usage.codeDeliveries} />
                  </UsageTotals>
                  <UsageChart series={usage.series} interval={usage.interval} label="Requests over time for all keys" />
                </section>
              )}
              <section aria-labelledby="usage-keys-title">
                <h2 id="usage-keys-title">By key</h2>
                {rows.length === 0 ? (
                  <p className="state">No keys in this mode yet.</p>
                ) : (
                  <UsageKeysTable rows={rows} selected={keyId} onSelect={(id) => setKeyId(id === keyId ? "" : id)} />
                )}
              </section>
            </>
          );
        }}
      </LoadState>
    </>
  );
}
