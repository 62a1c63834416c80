import type { Db } from "../../db/database.js";
import { GroupCommit } from "../../db/group-commit.js";
import type { TenantScope } from "../../lib/tenant.js";
import { type EntryWithDepartures, readEntriesWithDepartures } from "./store.js";

interface Poll {
  tenant: TenantScope;
  queueId: string;
  consumerId: string;
}

/**
 * Status polls of one queue read together: during a drop every shopper polls, and on
 * PostgreSQL a statement per poll cost a round trip (two socket writes, a backend's parse and
 * plan) that outweighed the read itself. The same natural batching as the group commits: an
 * idle queue's poll goes at the end of the current event-loop turn with whatever else that turn
 * delivered, and while one read is out, the next polls gather for the one after it.
 */
export class EntryReads {
  private readonly polls: GroupCommit<Poll, EntryWithDepartures | undefined>;

  constructor(private readonly db: Db) {
    this.polls = new GroupCommit((_key, polls) => this.readTogether(polls), {
      maxBatch: 256,
      maxWaitMs: 5,
      maxInFlight: 1,
    });
  }

  /** The consumer's entry in a live queue with its departures, or nothing. */
  read(tenant: TenantScope, queueId: string, consumerId: string): Promise<EntryWithDepartures | undefined> {
    return this.polls.submit(`${tenant.organizationId}:${tenant.mode}:${queueId}`, { tenant, queueId, consumerId });
  }

  /** Statements run so far (a test sees many polls share few). */
  get readCount(): number {
    return this.polls.batchCount;
  }

  private async readTogether(polls: Poll[]) {
    const [first] = polls;
    if (!first) return [];
    const found = await readEntriesWithDepartures(this.db, first.tenant, first.queueId, [
      ...new Set(polls.map((poll) => poll.consumerId)),
    ]);
    return polls.map((poll) => ({ ok: true as const, value: found.get(poll.consumerId) }));
  }
}
