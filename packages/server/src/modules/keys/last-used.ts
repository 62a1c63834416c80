import type { Db } from "../../db/database.js";
import { isoAt } from "../../lib/clock.js";
import { writeLastUsed } from "./store.js";

/**
 * `last_used_at` without a write per request: uses are noted in memory and written in one
 * batch per interval (each key at most once per flush), and once more at shutdown.
 */
export class LastUsedBuffer {
  private pending = new Map<string, number>();

  constructor(private readonly db: Db) {}

  record(keyId: string, atMs: number): void {
    const previous = this.pending.get(keyId);
    if (previous === undefined || atMs > previous) this.pending.set(keyId, atMs);
  }

  /** The newest use not yet written, so reads can show it before the flush. */
  pendingFor(keyId: string): number | undefined {
    return this.pending.get(keyId);
  }

  async flush(): Promise<void> {
    if (this.pending.size === 0) return;
    const batch = this.pending;
    this.pending = new Map();
    try {
      await writeLastUsed(
        this.db,
        [...batch].map(([id, at]) => ({ id, at: isoAt(at) })),
      );
    } catch (err) {
      // Keep the uses for the next flush rather than losing them.
      for (const [id, at] of batch) this.record(id, at);
      throw err;
    }
  }
}
