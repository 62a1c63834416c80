import type { Deps } from "../../deps.js";
import { errors } from "../../http/errors.js";
import { isoAt } from "../../lib/clock.js";
import type { TenantScope } from "../../lib/tenant.js";
import { planLimitPerMinute } from "../../ratelimit/plans.js";
import { getKey, listKeys } from "../keys/index.js";
import { viewOf } from "../keys/service.js";
import { codeDeliveriesIn } from "../otp/index.js";
import { addCounts, emptyCounts, readUsage, type UsageCounts } from "./store.js";

export type Interval = "minute" | "hour" | "day";
const INTERVAL_MS: Record<Interval, number> = { minute: 60_000, hour: 3_600_000, day: 86_400_000 };
const DEFAULT_RANGE_MS = 86_400_000;
const MAX_POINTS = 1500;

export interface UsageQuery {
  from?: string | undefined;
  to?: string | undefined;
  interval?: Interval | undefined;
}

interface Range {
  fromMs: number;
  toMs: number;
  interval: Interval;
}

const invalid = (path: string, message: string) =>
  errors.validation(`Invalid request: ${path} ${message}.`, [{ path, message }]);

/**
 * `[from, to)` with `from` aligned to the interval. By default the 24 hours up to the end of the
 * current bucket, by the hour, so the bucket in progress is included.
 */
function rangeOf(query: UsageQuery, nowMs: number): Range {
  const interval = query.interval ?? "hour";
  const step = INTERVAL_MS[interval];
  const toMs = query.to ? Date.parse(query.to) : nowMs - (nowMs % step) + step;
  const fromRaw = query.from ? Date.parse(query.from) : toMs - DEFAULT_RANGE_MS;
  const fromMs = fromRaw - (fromRaw % step);
  if (fromMs >= toMs) throw invalid("query.from", "must be before to");
  if ((toMs - fromMs) / step > MAX_POINTS) {
    throw invalid("query.interval", `gives more than ${MAX_POINTS} points for this range; use a coarser interval`);
  }
  return { fromMs, toMs, interval };
}

const rate = (part: number, whole: number) => (whole === 0 ? null : Math.round((part / whole) * 10_000) / 10_000);

function withRates(counts: UsageCounts) {
  return {
    ...counts,
    successRate: rate(counts.successes, counts.requests),
    errorRate: rate(counts.requests - counts.successes, counts.requests),
  };
}

/** Reads the buckets and folds them into a zero-filled series and totals (overall and per key). */
async function aggregate(deps: Deps, tenant: TenantScope, range: Range, keyId?: string) {
  const rows = await readUsage(deps.db, tenant, {
    granularity: range.interval === "minute" ? "minute" : "hour",
    from: isoAt(range.fromMs),
    to: isoAt(range.toMs),
    ...(keyId ? { keyId } : {}),
  });
  const step = INTERVAL_MS[range.interval];
  const series = new Map<number, UsageCounts>();
  for (let start = range.fromMs; start < range.toMs; start += step) series.set(start, emptyCounts());
  const totals = emptyCounts();
  const byKey = new Map<string, UsageCounts>();
  for (const { keyId: rowKey, bucketStart, ...counts } of rows) {
    const startMs = Date.parse(bucketStart);
    const point = series.get(startMs - (startMs % step));
    if (point) addCounts(point, counts);
    addCounts(totals, counts);
    const keyTotals = byKey.get(rowKey) ?? emptyCounts();
    addCounts(keyTotals, counts);
    byKey.set(rowKey, keyTotals);
  }
  return {
    head: { from: isoAt(range.fromMs), to: isoAt(range.toMs), interval: range.interval },
    totals,
    series: [...series].map(([start, counts]) => ({ start: isoAt(start), ...counts })),
    byKey,
  };
}

/**
 * The key's consumption of the plan's limit in the minute in progress: what every process has
 * flushed plus what this one still holds (other processes' unflushed counts arrive within a flush).
 */
async function currentMinute(deps: Deps, tenant: TenantScope, keyId: string) {
  const now = deps.clock.now();
  const startMs = now - (now % INTERVAL_MS.minute);
  const [organization, rows] = await Promise.all([
    deps.organizations.get(tenant.organizationId),
    readUsage(deps.db, tenant, { granularity: "minute", from: isoAt(startMs), to: isoAt(startMs + 60_000), keyId }),
  ]);
  if (!organization) throw errors.resourceNotFound("Organization");
  const flushed = rows.reduce((sum, row) => sum + row.requests, 0);
  return {
    limitPerMinute: planLimitPerMinute(organization),
    usedThisMinute: flushed + deps.usage.unflushedRequests(keyId, startMs),
    resetsAt: isoAt(startMs + INTERVAL_MS.minute),
  };
}

/** One key's usage (deleted keys keep their history). */
export async function keyUsage(deps: Deps, tenant: TenantScope, keyId: string, query: UsageQuery) {
  const record = await getKey(deps.db, tenant, keyId);
  if (!record) throw errors.resourceNotFound("API key");
  const { head, totals, series } = await aggregate(deps, tenant, rangeOf(query, deps.clock.now()), keyId);
  const lastUsedAt = viewOf({ deps }, record).lastUsedAt;
  const rateLimit = await currentMinute(deps, tenant, keyId);
  return {
    object: "api_key_usage" as const,
    keyId,
    ...head,
    totals: { ...withRates(totals), lastUsedAt },
    series,
    rateLimit,
  };
}

/** The organization's usage in the caller's mode, with a breakdown by key. */
export async function organizationUsage(deps: Deps, tenant: TenantScope, query: UsageQuery) {
  const { head, totals, series, byKey } = await aggregate(deps, tenant, rangeOf(query, deps.clock.now()));
  const keys = await listKeys(deps.db, tenant);
  const known = new Map(keys.map((record) => [record.id, record]));
  const breakdown = [...byKey]
    .map(([keyId, counts]) => {
      const record = known.get(keyId);
      return {
        keyId,
        name: record?.name ?? null,
        type: record?.kind ?? null,
        lastUsedAt: record ? viewOf({ deps }, record).lastUsedAt : null,
        ...withRates(counts),
      };
    })
    .sort((a, b) => b.requests - a.requests);
  const hourOfFrom = Date.parse(head.from) - (Date.parse(head.from) % INTERVAL_MS.hour);
  const codeDeliveries = await codeDeliveriesIn(deps.db, tenant, isoAt(hourOfFrom), head.to);
  return { object: "usage" as const, ...head, totals: withRates(totals), series, codeDeliveries, keys: breakdown };
}
