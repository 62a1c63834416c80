import type { Clock } from "../lib/clock.js";
import { LruCache } from "../lib/lru.js";
import { ALWAYS_HEARD } from "./verdict-trust.js";

/** Where a cache counts its lookups: answered from memory (hits) or read from the database (misses). */
export interface CacheCounters {
  readonly hits: { inc(): void };
  readonly misses: { inc(): void };
}

export const UNCOUNTED: CacheCounters = { hits: { inc() {} }, misses: { inc() {} } };

/**
 * Rows that hot reads need, kept until an invalidation event names them (the TTL is then only a
 * backstop for an event that never arrives), or for a short TTL alone where a row changes too
 * often for events. Rows that do not exist are not kept (ids are minted by the server, so
 * nobody asks for one before it exists), and one database read per row at a time serves every
 * request that misses at the same moment.
 */
export class RowCache<V> {
  private readonly entries: LruCache<string, { value: V; cachedAtMs: number }>;
  private loading = new Map<string, Promise<V | undefined>>();
  /** Bumped by every drop: a read that a change overtook must not be kept. */
  private generation = 0;

  constructor(
    private readonly clock: Clock,
    private readonly ttlMs = 60_000,
    capacity = 10_000,
    private readonly counters = UNCOUNTED,
    private readonly trust = ALWAYS_HEARD,
  ) {
    this.entries = new LruCache(capacity);
  }

  async get(id: string, load: () => Promise<V | undefined>): Promise<V | undefined> {
    const now = this.clock.now();
    const hit = this.entries.get(id);
    const age = hit === undefined ? Number.POSITIVE_INFINITY : now - hit.cachedAtMs;
    if (hit && age < this.trust.maxAgeMs(this.ttlMs)) {
      this.counters.hits.inc();
      return hit.value;
    }
    this.counters.misses.inc();
    const generation = this.generation;
    const stale = hit && age < this.ttlMs ? hit.value : undefined;
    const value = await this.trust.refresh(() => this.loadOnce(id, load), stale);
    if (value !== undefined && value !== stale && generation === this.generation) {
      this.entries.set(id, { value, cachedAtMs: now });
    }
    return value;
  }

  drop(id: string): void {
    this.changed();
    this.entries.delete(id);
  }

  clear(): void {
    this.changed();
    this.entries.clear();
  }

  private changed(): void {
    this.generation++;
    this.loading = new Map(); // later requests must not join reads that started before the change
  }

  private loadOnce(id: string, load: () => Promise<V | undefined>): Promise<V | undefined> {
    let pending = this.loading.get(id);
    if (!pending) {
      const loads = this.loading;
      pending = load().finally(() => loads.delete(id));
      loads.set(id, pending);
    }
    return pending;
  }
}
