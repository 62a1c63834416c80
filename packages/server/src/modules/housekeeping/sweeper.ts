import type { Logger } from "pino";
import type { Db } from "../../db/database.js";
import { type Clock, isoAt } from "../../lib/clock.js";
import { REFRESH_REUSE_LEEWAY_MS } from "../sessions/service.js";
import { deleteExpiredBefore, EXPIRING_TABLES, type ExpiringTable, forgetSuccessorsRotatedBefore } from "./store.js";

const MINUTE_MS = 60_000;
const HOUR_MS = 60 * MINUTE_MS;
/** Expired rows stay a week, for whoever asks support why a link or session stopped working. */
export const EXPIRED_ROW_RETENTION_MS = 7 * 24 * HOUR_MS;

/**
 * Deletes dashboard sessions, invitations, exchange codes, regenerated keys' old digests and
 * dashboard sign-in codes a week after they expired, so the tables hold what is live plus a
 * week, however long the installation runs. Listings and lookups already ignore expired rows;
 * this only frees them.
 * Every minute it also forgets refresh successors whose reuse leeway has passed.
 */
export class ExpiredRowSweeper {
  private timers: NodeJS.Timeout[] = [];

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

  /** Sealed successors of tokens rotated longer ago than the reuse leeway; returns how many. */
  forgetSuccessors(): Promise<number> {
    return forgetSuccessorsRotatedBefore(this.db, isoAt(this.clock.now() - REFRESH_REUSE_LEEWAY_MS));
  }

  start(): void {
    this.timers = [
      setInterval(() => void this.report("deleted expired rows", () => this.sweep()), HOUR_MS),
      setInterval(() => void this.report("forgot refresh successors", () => this.forgetSuccessors()), MINUTE_MS),
    ];
    for (const timer of this.timers) timer.unref();
  }

  stop(): void {
    for (const timer of this.timers) clearInterval(timer);
  }

  private async report(done: string, work: () => Promise<number | Record<string, number>>): Promise<void> {
    try {
      const counts = await work();
      const changed = typeof counts === "number" ? counts > 0 : Object.values(counts).some((count) => count > 0);
      if (changed) this.logger.info({ counts }, done);
    } catch (err) {
      this.logger.error({ err }, `housekeeping failed (${done}); will retry`);
    }
  }
}
