import type { Db } from "../../db/database.js";
import { GroupCommit } from "../../db/group-commit.js";
import { findRefreshTokens, type RefreshTokenWithSession } from "./store.js";

/**
 * Refresh tokens looked up together: every rotation reads its token first, and one statement per
 * rotation was most of the PostgreSQL statements of a drop's refresh wave (10,000 of 14,000,
 * counted). The same natural batching as the status polls: an idle lookup goes at the end of
 * the current event-loop turn with whatever else that turn delivered, and while one read is out
 * the next lookups gather for the one after it.
 */
export class RefreshTokenReads {
  private readonly lookups: GroupCommit<string, RefreshTokenWithSession | undefined>;

  constructor(private readonly db: Db) {
    this.lookups = new GroupCommit((_key, digests) => this.readTogether(digests), {
      maxBatch: 256,
      maxWaitMs: 5,
      maxInFlight: 1,
    });
  }

  /** The refresh token with this digest and its session, or nothing. */
  find(digest: string): Promise<RefreshTokenWithSession | undefined> {
    return this.lookups.submit("refresh-tokens", digest);
  }

  /** Statements run so far (a test sees many lookups share few). */
  get readCount(): number {
    return this.lookups.batchCount;
  }

  private async readTogether(digests: string[]) {
    const found = await findRefreshTokens(this.db, [...new Set(digests)]);
    return digests.map((digest) => ({ ok: true as const, value: found.get(digest) }));
  }
}
