import type { Logger } from "pino";
import type { Db } from "../../db/database.js";
import type { Mode } from "../../db/schema.js";
import { type Clock, isoAt } from "../../lib/clock.js";
import { addCounts, addUsage, emptyCounts, pruneUsage, type UsageCounts, type UsageRow } from "./store.js";

export type Outcome = "success" | "client_error" | "server_error" | "rate_limited";

const MINUTE = 60_000;
const HOUR = 60 * MINUTE;
const DAY = 24 * HOUR;
export const MINUTE_RETENTION_MS = 7 * DAY;
export const HOUR_RETENTION_MS = 90 * DAY;

interface Pending extends UsageCounts {
  keyId: string;
  organizationId: string;
  mode: Mode;
  minuteStartMs: number;
}

/**
 * Usage statistics without a write per request: each response adds one to an in-memory
 * counter for its key and minute; a timer writes all counters in one transaction (minute and
 * hour buckets together) and once more at shutdown. A failed write keeps the counts for the next and
 * throws, so the periodic task that flushes logs the outage once.
 */
export class UsageRecorder {
  private pending = new Map<string, Pending>();
  private lastPruneMs = 0;

  constructor(
    private readonly db: Db,
    private readonly clock: Clock,
    private readonly logger: Logger,
  ) {}

  record(key: { keyId: string; organizationId: string; mode: Mode }, outcome: Outcome): void {
    const now = this.clock.now();
    const minuteStartMs = now - (now % MINUTE);
    const id = `${key.keyId}|${minuteStartMs}`;
    let counts = this.pending.get(id);
    if (!counts) {
      counts = { ...key, minuteStartMs, ...emptyCounts() };
      this.pending.set(id, counts);
    }
    counts.requests++;
    if (outcome === "success") counts.successes++;
    else if (outcome === "client_error") counts.clientErrors++;
    else if (outcome === "server_error") counts.serverErrors++;
    else counts.rateLimited++;
  }

  /** Requests of one key in one minute counted here but not yet written. */
  unflushedRequests(keyId: string, minuteStartMs: number): number {
    return this.pending.get(`${keyId}|${minuteStartMs}`)?.requests ?? 0;
  }

  async flush(): Promise<void> {
    await this.pruneHourly();
    if (this.pending.size === 0) return;
    const batch = this.pending;
    this.pending = new Map();
    try {
      await addUsage(this.db, rowsOf([...batch.values()]));
    } catch (err) {
      for (const [id, counts] of batch) {
        const current = this.pending.get(id);
        if (current) addCounts(current, counts);
        else this.pending.set(id, counts);
      }
      throw err;
    }
  }

  private async pruneHourly(): Promise<void> {
    const now = this.clock.now();
    if (now - this.lastPruneMs < HOUR) return;
    this.lastPruneMs = now;
    try {
      await pruneUsage(this.db, isoAt(now - MINUTE_RETENTION_MS), isoAt(now - HOUR_RETENTION_MS));
    } catch (err) {
      this.logger.error({ err }, "could not prune old usage buckets");
    }
  }
}

/** Minute rows as counted, plus the same counts summed into hour rows. */
function rowsOf(batch: Pending[]): UsageRow[] {
  const hours = new Map<string, UsageRow>();
  const rows: UsageRow[] = [];
  for (const { minuteStartMs, keyId, organizationId, mode, ...counts } of batch) {
    rows.push({ keyId, organizationId, mode, granularity: "minute", bucketStart: isoAt(minuteStartMs), ...counts });
    const hourStart = isoAt(minuteStartMs - (minuteStartMs % HOUR));
    const id = `${keyId}|${hourStart}`;
    const hour = hours.get(id) ?? {
      keyId,
      organizationId,
      mode,
      granularity: "hour",
      bucketStart: hourStart,
      ...emptyCounts(),
    };
    addCounts(hour, counts);
    hours.set(id, hour);
  }
  return [...rows, ...hours.values()];
}
