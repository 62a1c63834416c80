import type { InvalidationEvent } from "../../cache/invalidation.js";
import { type CacheCounters, RowCache, UNCOUNTED } from "../../cache/row-cache.js";
import { ALWAYS_HEARD, type VerdictTrust } from "../../cache/verdict-trust.js";
import type { Db } from "../../db/database.js";
import type { Clock } from "../../lib/clock.js";
import { findOrganization, type Organization } from "./store.js";

/** Organizations as the request path needs them (plan, allowed origins), kept fresh by events. */
export class OrganizationCache {
  private readonly rows: RowCache<Organization>;

  constructor(
    private readonly db: Db,
    clock: Clock,
    counters: CacheCounters = UNCOUNTED,
    trust: VerdictTrust = ALWAYS_HEARD,
  ) {
    this.rows = new RowCache(clock, undefined, undefined, counters, trust);
  }

  get(organizationId: string): Promise<Organization | undefined> {
    return this.rows.get(organizationId, () => findOrganization(this.db, organizationId));
  }

  apply(event: InvalidationEvent): void {
    if (event.type === "all") this.rows.clear();
    else if (event.type === "organization") this.rows.drop(event.organizationId);
  }
}
