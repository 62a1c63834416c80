import type { Db } from "../../db/database.js";
import { GroupCommit } from "../../db/group-commit.js";
import { type Clock, isoAt } from "../../lib/clock.js";
import { type LiveSessionOwner, liveSessionsAmong, sessionsRevokedSince } from "./store.js";

/**
 * Whether sessions are live, and whose they are, asked together: a token this process did not
 * issue (the other server process did, or this one restarted) is checked against its session
 * once, and during a drop thousands arrive in the same second. The checks one event-loop turn
 * delivers share one statement, by the same natural batching as the group commits.
 */
export class SessionLiveness {
  private readonly checks: GroupCommit<string, LiveSessionOwner | undefined>;

  constructor(
    private readonly db: Db,
    private readonly clock: Clock,
  ) {
    this.checks = new GroupCommit((_key, sessionIds) => this.checkTogether(sessionIds), {
      maxBatch: 256,
      maxWaitMs: 5,
      maxInFlight: 2,
    });
  }

  /** The session's owner while it is live; undefined once it is revoked, ended or unknown. */
  liveOwner(sessionId: string): Promise<LiveSessionOwner | undefined> {
    return this.checks.submit("sessions", sessionId);
  }

  /** Sessions revoked after `sinceMs`, for a process that must know every revocation still in reach. */
  async revokedSince(sinceMs: number): Promise<{ sessionId: string; revokedAtMs: number }[]> {
    const rows = await sessionsRevokedSince(this.db, isoAt(sinceMs));
    return rows.map((row) => ({ sessionId: row.sessionId, revokedAtMs: Date.parse(row.revokedAt) }));
  }

  /** Statements run so far (a test sees many checks share few). */
  get statementCount(): number {
    return this.checks.batchCount;
  }

  private async checkTogether(sessionIds: string[]) {
    const live = await liveSessionsAmong(this.db, [...new Set(sessionIds)], isoAt(this.clock.now()));
    return sessionIds.map((id) => ({ ok: true as const, value: live.get(id) }));
  }
}
