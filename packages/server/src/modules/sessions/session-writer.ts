import type { Db } from "../../db/database.js";
import { DEFAULT_GROUP_COMMIT, GroupCommit, type GroupCommitOptions } from "../../db/group-commit.js";
import { writeTogether } from "../../db/shared-transaction.js";
import { type Clock, isoAt } from "../../lib/clock.js";
import type { TenantScope } from "../../lib/tenant.js";
import { type Consumer, insertConsumers } from "../consumers/index.js";
import {
  insertRefreshTokens,
  insertSessions,
  markSessionsRefreshed,
  retireRefreshTokens,
  type SessionRecord,
} from "./store.js";

export interface NewSession {
  scope: TenantScope;
  session: SessionRecord;
  refreshDigest: string;
  /** Present when the consumer is created with the session (a guest, a first sign-in). */
  newConsumer?: Consumer;
}

export interface Rotation {
  /** The refresh token presented. */
  digest: string;
  successor: { digest: string; sealed: string; sessionId: string };
}

/**
 * Session writes in group commits: new sessions (with their consumer and first refresh token)
 * and refresh rotations from concurrent requests share one transaction each way — three
 * multi-row inserts per batch of sessions, one conditional update per rotation then one insert
 * of the successors. Nothing is answered before the commit.
 */
export class SessionWriter {
  private readonly sessions: GroupCommit<NewSession, undefined>;
  private readonly rotations: GroupCommit<Rotation, boolean>;

  constructor(
    private readonly db: Db,
    private readonly clock: Clock,
    options: GroupCommitOptions = DEFAULT_GROUP_COMMIT,
  ) {
    this.sessions = new GroupCommit((_key, items) => this.writeSessions(items), options);
    this.rotations = new GroupCommit((_key, items) => this.writeRotations(items), options);
  }

  async open(item: NewSession): Promise<void> {
    await this.sessions.submit("sessions", item);
  }

  /** True when this rotation won; false when the token was no longer active (rotated meanwhile). */
  rotate(item: Rotation): Promise<boolean> {
    return this.rotations.submit("rotations", item);
  }

  /** Transactions written so far, sessions and rotations together. */
  get batchCount(): number {
    return this.sessions.batchCount + this.rotations.batchCount;
  }

  private writeSessions(items: NewSession[]) {
    return writeTogether(this.db, items, async (trx, batch) => {
      const { dialect } = this.db;
      const consumers = batch.flatMap(({ scope, newConsumer }) =>
        newConsumer ? [{ scope, consumer: newConsumer }] : [],
      );
      await insertConsumers(trx, dialect, consumers);
      await insertSessions(trx, dialect, batch);
      await insertRefreshTokens(
        trx,
        dialect,
        batch.map(({ session, refreshDigest }) => ({
          digest: refreshDigest,
          sessionId: session.id,
          createdAt: session.createdAt,
        })),
      );
      return batch.map(() => undefined);
    });
  }

  private writeRotations(items: Rotation[]) {
    return writeTogether(this.db, items, async (trx, batch) => {
      const now = isoAt(this.clock.now());
      // The first rotation of a token in the batch is its candidate; a later one in the same
      // batch finds it rotated, as it would one statement later.
      const candidates = new Map<string, Rotation>();
      for (const rotation of batch) if (!candidates.has(rotation.digest)) candidates.set(rotation.digest, rotation);
      const retired = await retireRefreshTokens(
        trx,
        this.db.dialect,
        [...candidates.values()].map((rotation) => ({ digest: rotation.digest, sealed: rotation.successor.sealed })),
        now,
      );
      const won = batch.map((rotation) => retired.has(rotation.digest) && candidates.get(rotation.digest) === rotation);
      const winners = batch.filter((_, i) => won[i]).map((rotation) => rotation.successor);
      await insertRefreshTokens(
        trx,
        this.db.dialect,
        winners.map((successor) => ({ digest: successor.digest, sessionId: successor.sessionId, createdAt: now })),
      );
      await markSessionsRefreshed(trx, this.db.dialect, [...new Set(winners.map((w) => w.sessionId))], now);
      return won;
    });
  }
}
