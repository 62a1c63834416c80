import type { InvalidationEvent } from "../../cache/invalidation.js";
import type { Db } from "../../db/database.js";
import type { Clock } from "../../lib/clock.js";
import { LruCache } from "../../lib/lru.js";
import { findOrganization, type Organization } from "./store.js";

const TTL_MS = 60_000;

/** Organizations as the request path needs them (plan, allowed origins), kept fresh by events. */
export class OrganizationCache {
  private readonly cache = new LruCache<string, { organization: Organization; cachedAtMs: number }>(10_000);

  constructor(
    private readonly db: Db,
    private readonly clock: Clock,
  ) {}

  async get(organizationId: string): Promise<Organization | undefined> {
    const now = this.clock.now();
    const hit = this.cache.get(organizationId);
    if (hit && now - hit.cachedAtMs < TTL_MS) return hit.organization;
    const organization = await findOrganization(this.db, organizationId);
    if (organization) this.cache.set(organizationId, { organization, cachedAtMs: now });
    return organization;
  }

  apply(event: InvalidationEvent): void {
    if (event.type === "all") this.cache.clear();
    else if (event.type === "organization") this.cache.delete(event.organizationId);
  }
}
