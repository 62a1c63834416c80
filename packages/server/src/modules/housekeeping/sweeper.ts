import type { Logger } from "pino";
import type { Db } from "../../db/database.js";
import { type Clock, isoAt } from "../../lib/clock.js";
import { PeriodicTask } from "../../lib/periodic-task.js";
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

  /** The sweeps as periodic tasks: each logs what it freed, and an outage once. */
  tasks(): PeriodicTask[] {
    const { logger } = this;
    const report = (done: string, work: () => Promise<number | Record<string, number>>) => async () => {
      const counts = await work();
      const changed = typeof counts === "number" ? counts > 0 : Object.values(counts).some((count) => count > 0);
      if (changed) logger.info({ counts }, done);
    };
    return [
      new PeriodicTask(
        "expired row sweep",
        report("deleted expired rows", () => this.sweep()),
        {
          everyMs: HOUR_MS,
          logger,
        },
      ),
      new PeriodicTask(
        "refresh successor sweep",
        report("forgot refresh successors", () => this.forgetSuccessors()),
        {
          everyMs: MINUTE_MS,
          logger,
        },
      ),
    ];
  }
}
