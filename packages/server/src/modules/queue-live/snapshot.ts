import type { Deps } from "../../deps.js";
import { isoAt } from "../../lib/clock.js";
import type { TenantScope } from "../../lib/tenant.js";
import { countsByStatus, nextInLine } from "../queue-entries/index.js";
import { queueStatus, requireQueue } from "../queues/index.js";
import { ACTIVITY_BUCKET_MS, ENTER_LATENCY_BOUNDS_MS } from "./activity.js";
import { activitySince } from "./store.js";

const WINDOW_MS = 5 * 60_000;
const NEXT_IN_LINE = 10;

/** `shopper@example.com` → `s•••@example.com`; `+14155550123` → `+1•••••••23`. */
export function maskContact(email: string | null, phone: string | null): string | null {
  if (email) {
    const at = email.indexOf("@");
    return `${email.slice(0, Math.min(1, at))}•••${email.slice(at)}`;
  }
  if (phone) return `${phone.slice(0, 2)}${"•".repeat(Math.max(phone.length - 4, 1))}${phone.slice(-2)}`;
  return null;
}

/** The bound (ms) below which `share` of the counted enters fell, from the histogram's buckets. */
function percentile(histogram: Map<string, number>, share: number): number | null {
  const bounds = [...ENTER_LATENCY_BOUNDS_MS.map(String), "inf"];
  const total = bounds.reduce((sum, bound) => sum + (histogram.get(bound) ?? 0), 0);
  if (total === 0) return null;
  let seen = 0;
  for (const bound of bounds) {
    seen += histogram.get(bound) ?? 0;
    if (seen >= share * total) return bound === "inf" ? Number.POSITIVE_INFINITY : Number(bound);
  }
  return null;
}

/**
 * The queue's live view, read from the database only (counts from the entries, pace from the
 * activity every process flushes), so any process answers the same within a flush.
 */
export async function queueLive(deps: Deps, tenant: TenantScope, queueId: string) {
  const queue = await requireQueue(deps, tenant, queueId);
  const nowMs = deps.clock.now();
  const currentBucket = nowMs - (nowMs % ACTIVITY_BUCKET_MS);
  const firstBucket = currentBucket - WINDOW_MS + ACTIVITY_BUCKET_MS;
  const [counts, activity, next] = await Promise.all([
    countsByStatus(deps.db, queueId),
    activitySince(deps.db, queueId, isoAt(firstBucket)),
    nextInLine(deps.db, tenant, queueId, NEXT_IN_LINE),
  ]);
  const series = new Map<number, { arrivals: number; admissions: number }>();
  for (let start = firstBucket; start <= currentBucket; start += ACTIVITY_BUCKET_MS) {
    series.set(start, { arrivals: 0, admissions: 0 });
  }
  const latency = new Map<string, number>();
  let rateLimited = 0;
  for (const { startMs, kind, count } of activity) {
    const point = series.get(startMs);
    if (point && (kind === "arrivals" || kind === "admissions")) point[kind] += count;
    else if (kind === "rate_limited") rateLimited += count;
    else if (kind.startsWith("enter_le_")) {
      const bound = kind.slice("enter_le_".length);
      latency.set(bound, (latency.get(bound) ?? 0) + count);
    }
  }
  // The last complete minute: the six buckets before the one in progress.
  const lastMinute = [...series].filter(([start]) => start < currentBucket && start >= currentBucket - 60_000);
  const perSecond = (kind: "arrivals" | "admissions") =>
    Math.round((lastMinute.reduce((sum, [, point]) => sum + point[kind], 0) / 60) * 10) / 10;
  const finite = (value: number | null) => (value === Number.POSITIVE_INFINITY ? null : value);
  return {
    object: "queue_live" as const,
    queueId: queue.id,
    name: queue.name,
    status: queueStatus(queue, nowMs),
    paused: queue.statusOverride === "CLOSED",
    admissionTtlSeconds: queue.admissionTtlSeconds,
    counts: {
      waiting: counts.get("QUEUED") ?? 0,
      admitted: counts.get("ADMITTED") ?? 0,
      completed: counts.get("COMPLETED") ?? 0,
      denied: counts.get("DENIED") ?? 0,
      expired: counts.get("EXPIRED") ?? 0,
      left: counts.get("LEFT") ?? 0,
    },
    series: [...series].map(([start, point]) => ({ start: isoAt(start), ...point })),
    perSecond: { arrivals: perSecond("arrivals"), admissions: perSecond("admissions") },
    enterMs: { p50: finite(percentile(latency, 0.5)), p99: finite(percentile(latency, 0.99)) },
    rateLimited,
    nextInLine: next.map((entry, index) => ({
      position: index + 1,
      consumerId: entry.consumerId,
      contact: maskContact(entry.email, entry.phone),
      enteredAt: entry.enteredAt,
    })),
    at: isoAt(nowMs),
  };
}
