import type { Clock } from "../../lib/clock.js";

/** The longest an access token lives (organizations choose up to 24 h), and never past its session. */
export const LONGEST_ACCESS_TOKEN_MS = 86_400_000;
/** Past this many remembered revocations the set stops claiming to know them all. */
const MOST_REMEMBERED = 200_000;

/**
 * Sessions revoked recently enough that an access token of theirs may still be unexpired: read
 * from the database at start (and again whenever events may have been missed), then kept by
 * invalidation events. While the set is complete, a token another process signed is judged by
 * its signature and this set alone, without a database round trip; until it is, tokens are
 * checked against their session in the database.
 */
export class RevokedSessions {
  /** Session id → when it was revoked; in revocation order (near enough), so pruning is from the front. */
  private readonly revokedAtMs = new Map<string, number>();
  private complete = false;
  /** More revocations than fit: reading them again would not help until some age out. */
  private overflowed = false;
  /** Bumped when completeness is lost: a read that started before must not restore it. */
  private epoch = 0;

  constructor(private readonly clock: Clock) {}

  /** True when every revocation a live token could belong to is known. */
  get known(): boolean {
    return this.complete;
  }

  has(sessionId: string): boolean {
    return this.revokedAtMs.has(sessionId);
  }

  add(sessionId: string, revokedAtMs = this.clock.now()): void {
    this.revokedAtMs.set(sessionId, revokedAtMs);
    if (this.revokedAtMs.size > MOST_REMEMBERED) this.prune();
  }

  /** Events may have been missed (a transport reconnected): learn from the database again. */
  forgetCompleteness(): void {
    this.epoch++;
    this.complete = false;
  }

  /** Reads the revocations that still matter, unless already complete. Throws if the read fails. */
  async learn(read: (revokedSinceMs: number) => Promise<{ sessionId: string; revokedAtMs: number }[]>) {
    if (this.complete || (this.overflowed && this.revokedAtMs.size > MOST_REMEMBERED / 2)) return;
    const epoch = this.epoch;
    const revoked = await read(this.clock.now() - LONGEST_ACCESS_TOKEN_MS);
    if (epoch !== this.epoch) return;
    this.overflowed = false;
    for (const { sessionId, revokedAtMs } of revoked) this.revokedAtMs.set(sessionId, revokedAtMs);
    this.prune();
    this.complete = !this.overflowed;
  }

  private prune(): void {
    const oldest = this.clock.now() - LONGEST_ACCESS_TOKEN_MS;
    for (const [sessionId, revokedAtMs] of this.revokedAtMs) {
      if (revokedAtMs > oldest && this.revokedAtMs.size <= MOST_REMEMBERED) break;
      // Dropping one still in reach would accept its tokens: completeness is no longer claimed.
      if (revokedAtMs > oldest) {
        this.overflowed = true;
        this.complete = false;
      }
      this.revokedAtMs.delete(sessionId);
    }
  }
}
