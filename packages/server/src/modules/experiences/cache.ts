import type { InvalidationEvent } from "../../cache/invalidation.js";
import { type CacheCounters, RowCache, UNCOUNTED } from "../../cache/row-cache.js";
import { ALWAYS_HEARD, type VerdictTrust } from "../../cache/verdict-trust.js";
import type { Db } from "../../db/database.js";
import type { Clock } from "../../lib/clock.js";
import type { TenantScope } from "../../lib/tenant.js";
import { type Experience, getExperience } from "./store.js";

const cacheKey = (organizationId: string, mode: string, id: string) => `${organizationId}:${mode}:${id}`;

/**
 * Experiences as reads see them (merchant servers and every shopper's page poll them during a
 * drop), kept until the event of their change. Changes read the database, never this.
 */
export class ExperienceCache {
  private readonly rows: RowCache<Experience>;

  constructor(
    private readonly db: Db,
    clock: Clock,
    counters: CacheCounters = UNCOUNTED,
    trust: VerdictTrust = ALWAYS_HEARD,
  ) {
    this.rows = new RowCache(clock, undefined, undefined, counters, trust);
  }

  get(tenant: TenantScope, id: string): Promise<Experience | undefined> {
    return this.rows.get(cacheKey(tenant.organizationId, tenant.mode, id), () => getExperience(this.db, tenant, id));
  }

  apply(event: InvalidationEvent): void {
    if (event.type === "all") this.rows.clear();
    else if (event.type === "experience") {
      this.rows.drop(cacheKey(event.organizationId, event.mode, event.experienceId));
    }
  }
}
