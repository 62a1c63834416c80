import type { Logger } from "pino";
import type { Db } from "../../db/database.js";
import { type Clock, isoAt } from "../../lib/clock.js";
import { deleteExpiredBefore, EXPIRING_TABLES, type ExpiringTable } from "./store.js";

const HOUR_MS = 3_600_000;
/** Expired rows stay a week, for whoever asks support why a link or session stopped working. */
export const EXPIRED_ROW_RETENTION_MS = 7 * 24 * HOUR_MS;

/**
 * Deletes dashboard sessions, invitations, exchange codes, regenerated keys' old digests and
 * dashboard sign-in codes a week after they expired, so the tables hold what is live plus a
 * week, however long the installation runs. Listings and lookups already ignore expired rows;
 * this only frees them.
 */
export class ExpiredRowSweeper {
  private timer: NodeJS.Timeout | undefined;

  constructor(
    private readonly db: Db,
    private readonly clock: Clock,
    private readonly logger: Logger,
  ) {}

  async sweep(): Promise<Record<ExpiringTable, number>> {
    const before = isoAt(this.clock.now() - EXPIRED_ROW_RETENTION_MS);
    const deleted = {} as Record<ExpiringTable, number>;
    for (const table of EXPIRING_TABLES) deleted[table] = await deleteExpiredBefore(this.db, table, before);
    return deleted;
  }

  start(intervalMs = HOUR_MS): void {
    this.timer = setInterval(() => void this.sweepAndReport(), intervalMs);
    this.timer.unref();
  }

  stop(): void {
    clearInterval(this.timer);
  }

  private async sweepAndReport(): Promise<void> {
    try {
      const deleted = await this.sweep();
      if (Object.values(deleted).some((count) => count > 0)) this.logger.info({ deleted }, "deleted expired rows");
    } catch (err) {
      this.logger.error({ err }, "could not delete expired rows; will retry");
    }
  }
}
