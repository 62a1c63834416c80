import { isDatabaseUnavailable } from "../db/unavailable.js";

/** While no invalidation transport is known to work, a cached verdict is read again after this. */
export const UNHEARD_MAX_AGE_MS = 1000;

/**
 * How old a cached verdict (a key, a session, an organization) may be and still be served. While
 * invalidations arrive, until its own TTL. While no transport is known to work, a change made by
 * another process may have gone unheard, so only for a second; then it is read again. When that
 * read finds the database out of reach, the verdict it would have replaced still serves (within
 * its own TTL): nothing can be revoked without the database, so an outage slows revocation
 * checks but never suspends them, and reads that need no database keep working.
 */
export class VerdictTrust {
  constructor(private readonly invalidation: { readonly healthy: boolean }) {}

  /** Whether changes made by other processes are being heard. */
  get hearing(): boolean {
    return this.invalidation.healthy;
  }

  maxAgeMs(ttlMs: number): number {
    return this.invalidation.healthy ? ttlMs : Math.min(ttlMs, UNHEARD_MAX_AGE_MS);
  }

  /** `reread()`, or `stale` (when there is one) if the database is out of reach. */
  async refresh<T>(reread: () => Promise<T>, stale: T | undefined): Promise<T> {
    try {
      return await reread();
    } catch (err) {
      if (stale === undefined || !isDatabaseUnavailable(err)) throw err;
      return stale;
    }
  }
}

/** For a process that hears every change (one SQLite process) and for tests of other things. */
export const ALWAYS_HEARD = new VerdictTrust({ healthy: true });
