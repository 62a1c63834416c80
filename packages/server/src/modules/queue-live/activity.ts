import type { Db } from "../../db/database.js";
import type { Clock } from "../../lib/clock.js";
import { addActivity } from "./store.js";

export const ACTIVITY_BUCKET_MS = 10_000;
/** Upper bounds (ms) of the enter latency histogram; slower enters count in `enter_le_inf`. */
export const ENTER_LATENCY_BOUNDS_MS = [5, 10, 25, 50, 100, 250, 500, 1000, 2500, 5000] as const;

export type ActivityKind = "arrivals" | "admissions" | "rate_limited" | `enter_le_${number | "inf"}`;

export const latencyKind = (ms: number): ActivityKind =>
  `enter_le_${ENTER_LATENCY_BOUNDS_MS.find((bound) => ms <= bound) ?? "inf"}`;

/**
 * A queue's pace without a write per request: arrivals, admissions, refused enters and enter
 * latencies add to in-memory counts per queue and 10-second bucket; a timer adds them to
 * `queue_activity` in one statement (and once more at shutdown). A failed write keeps the
 * counts for the next and throws (the flushing task logs the outage once).
 */
export class QueueActivity {
  private pending = new Map<string, { queueId: string; bucketStartMs: number; kind: ActivityKind; count: number }>();

  constructor(
    private readonly db: Db,
    private readonly clock: Clock,
  ) {}

  record(queueId: string, kind: ActivityKind, count = 1): void {
    const now = this.clock.now();
    const bucketStartMs = now - (now % ACTIVITY_BUCKET_MS);
    const id = `${queueId}|${bucketStartMs}|${kind}`;
    const counted = this.pending.get(id);
    if (counted) counted.count += count;
    else this.pending.set(id, { queueId, bucketStartMs, kind, count });
  }

  async flush(): Promise<void> {
    if (this.pending.size === 0) return;
    const batch = this.pending;
    this.pending = new Map();
    try {
      await addActivity(this.db, [...batch.values()]);
    } catch (err) {
      for (const [id, counted] of batch) {
        const current = this.pending.get(id);
        if (current) current.count += counted.count;
        else this.pending.set(id, counted);
      }
      throw err;
    }
  }
}
