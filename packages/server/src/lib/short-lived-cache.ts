import type { Clock } from "./clock.js";
import { LruCache } from "./lru.js";

/**
 * For public views that every shopper's browser polls during a drop: each process loads a value
 * at most once per `ttlMs`, however many requests ask at the same moment. Failures (a 404) are
 * not kept.
 */
export class ShortLivedCache<V> {
  private readonly entries: LruCache<string, { value: V; loadedAtMs: number }>;
  private readonly loading = new Map<string, Promise<V>>();

  constructor(
    private readonly clock: Clock,
    private readonly ttlMs: number,
    capacity = 10_000,
  ) {
    this.entries = new LruCache(capacity);
  }

  get(key: string, load: () => Promise<V>): Promise<V> {
    const now = this.clock.now();
    const hit = this.entries.get(key);
    if (hit && now - hit.loadedAtMs < this.ttlMs) return Promise.resolve(hit.value);
    const pending = this.loading.get(key);
    if (pending) return pending;
    const loaded = load()
      .then((value) => {
        this.entries.set(key, { value, loadedAtMs: now });
        return value;
      })
      .finally(() => this.loading.delete(key));
    this.loading.set(key, loaded);
    return loaded;
  }
}
