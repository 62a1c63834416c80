import { hash } from "node:crypto";
import type { InvalidationEvent } from "../../cache/invalidation.js";
import { type CacheCounters, UNCOUNTED } from "../../cache/row-cache.js";
import { ALWAYS_HEARD, type VerdictTrust } from "../../cache/verdict-trust.js";
import type { Db } from "../../db/database.js";
import type { KeyValue } from "../../db/schema.js";
import type { Clock } from "../../lib/clock.js";
import { IpAllowlist } from "../../lib/ip.js";
import { LruCache } from "../../lib/lru.js";
import { keyDigest, parseKey } from "./format.js";
import { effectiveScopes } from "./scopes.js";
import { type ApiKeyRecord, findByPreviousDigest, findKeyByDigest } from "./store.js";

/**
 * A key as the request path needs it: the record plus what is pre-computed once per cache fill.
 * `value` says which of the key's values was presented: the `previous` one (a regeneration
 * retired it) works until `graceUntilMs`, with the key's data permissions only.
 */
export type VerifiedKey = {
  readonly record: ApiKeyRecord;
  readonly scopes: ReadonlySet<string>;
  readonly allowlist: IpAllowlist;
  readonly expiresAtMs: number | null;
} & (
  | { readonly value: Extract<KeyValue, "current">; readonly graceUntilMs: null }
  | { readonly value: Extract<KeyValue, "previous">; readonly graceUntilMs: number }
);

export type KeyRejection = "malformed" | "unknown" | "inactive" | "expired";
export type KeyOutcome = { ok: true; key: VerifiedKey } | { ok: false; reason: KeyRejection; key?: VerifiedKey };

interface CacheEntry {
  key: VerifiedKey | null;
  cachedAtMs: number;
}

export interface KeyVerifierOptions {
  capacity?: number;
  /** How long a found key is trusted without a look at the database (events usually beat it). */
  positiveTtlMs?: number;
  /** How long "no such key" is remembered, so garbage cannot hammer the database. */
  negativeTtlMs?: number;
  counters?: CacheCounters;
  /** Shortens the TTLs while other processes' changes may go unheard. */
  trust?: VerdictTrust;
}

function toVerified(record: ApiKeyRecord, graceUntil: string | null): VerifiedKey {
  const computed = {
    record,
    scopes: effectiveScopes(record.permissions),
    allowlist: new IpAllowlist(record.allowedCidrs),
    expiresAtMs: record.expiresAt ? Date.parse(record.expiresAt) : null,
  };
  return graceUntil === null
    ? { ...computed, value: "current", graceUntilMs: null }
    : { ...computed, value: "previous", graceUntilMs: Date.parse(graceUntil) };
}

/** Status, expiry and grace, judged against the clock on every request (never cached). */
export function judgeKey(key: VerifiedKey, nowMs: number): KeyOutcome {
  if (key.record.deletedAt !== null) return { ok: false, reason: "unknown" };
  if (key.value === "previous" && nowMs >= key.graceUntilMs) return { ok: false, reason: "unknown" };
  if (key.record.status === "inactive") return { ok: false, reason: "inactive", key };
  if (key.expiresAtMs !== null && nowMs >= key.expiresAtMs) return { ok: false, reason: "expired", key };
  return { ok: true, key };
}

/**
 * The cache's own name for a presented key: a plain SHA-256, about five times cheaper than the
 * keyed HMAC the database is searched by (which only a miss computes). It never leaves memory,
 * and a collision-resistant hash maps exactly one key string to each entry.
 */
const cacheKeyOf = (presented: string): string => hash("sha256", presented, "base64");

/**
 * Verifies presented keys: format and checksum (no I/O), then an LRU keyed by a hash of the
 * key, then the database (by HMAC digest) on a miss. Misses are cached briefly too. Changes
 * arrive as invalidation events.
 */
export class KeyVerifier {
  private readonly cache: LruCache<string, CacheEntry>;
  private readonly counters: CacheCounters;
  /** Key id → the cache keys it is cached under (its current and previous values). */
  private readonly cacheKeysByKey = new Map<string, Set<string>>();
  /** One database lookup per presented key at a time: a surge on a cold cache costs one query. */
  private loading = new Map<string, Promise<VerifiedKey | null>>();
  /** Bumped by every invalidation: a load that an invalidation overtook must not be cached. */
  private generation = 0;
  private readonly positiveTtlMs: number;
  private readonly negativeTtlMs: number;
  private readonly trust: VerdictTrust;

  constructor(
    private readonly db: Db,
    private readonly clock: Clock,
    private readonly digestKey: Buffer,
    options: KeyVerifierOptions = {},
  ) {
    this.cache = new LruCache(options.capacity ?? 50_000);
    this.positiveTtlMs = options.positiveTtlMs ?? 60_000;
    this.negativeTtlMs = options.negativeTtlMs ?? 10_000;
    this.counters = options.counters ?? UNCOUNTED;
    this.trust = options.trust ?? ALWAYS_HEARD;
  }

  async verify(presented: string): Promise<KeyOutcome> {
    const parsed = parseKey(presented);
    if (!parsed) return { ok: false, reason: "malformed" };
    const cacheKey = cacheKeyOf(presented);
    const now = this.clock.now();
    let entry = this.cache.get(cacheKey);
    const ttl = entry?.key ? this.positiveTtlMs : this.negativeTtlMs;
    const age = entry === undefined ? Number.POSITIVE_INFINITY : now - entry.cachedAtMs;
    const fresh = age < this.trust.maxAgeMs(ttl);
    (fresh ? this.counters.hits : this.counters.misses).inc();
    if (!entry || !fresh) {
      const generation = this.generation;
      const stale = age < ttl ? entry : undefined;
      const read = async () => ({ key: await this.loadOnce(cacheKey, presented), cachedAtMs: this.clock.now() });
      const loaded = await this.trust.refresh(read, stale);
      // A change was announced while we read: what we read may predate it, so it is not cached.
      if (loaded !== stale && generation === this.generation) this.remember(cacheKey, loaded);
      entry = loaded;
    }
    const key = entry.key;
    // The row is the truth for kind and mode; a mismatch with the prefix means tampering.
    if (!key || key.record.kind !== parsed.kind || key.record.mode !== parsed.mode) {
      return { ok: false, reason: "unknown" };
    }
    return judgeKey(key, now);
  }

  apply(event: InvalidationEvent): void {
    this.generation++;
    this.loading = new Map(); // later requests must not join reads that started before the change
    if (event.type === "all") {
      this.cache.clear();
      this.cacheKeysByKey.clear();
    } else if (event.type === "key") {
      for (const cacheKey of this.cacheKeysByKey.get(event.keyId) ?? []) this.cache.delete(cacheKey);
      this.cacheKeysByKey.delete(event.keyId);
    }
  }

  private loadOnce(cacheKey: string, presented: string): Promise<VerifiedKey | null> {
    let pending = this.loading.get(cacheKey);
    if (!pending) {
      pending = this.load(keyDigest(this.digestKey, presented)).finally(() => this.loading.delete(cacheKey));
      this.loading.set(cacheKey, pending);
    }
    return pending;
  }

  private async load(digest: string): Promise<VerifiedKey | null> {
    const current = await findKeyByDigest(this.db, digest);
    if (current) return toVerified(current, null);
    const previous = await findByPreviousDigest(this.db, digest);
    return previous ? toVerified(previous.key, previous.graceUntil) : null;
  }

  private remember(cacheKey: string, entry: CacheEntry): void {
    this.cache.set(cacheKey, entry);
    if (!entry.key) return;
    const cacheKeys = this.cacheKeysByKey.get(entry.key.record.id) ?? new Set<string>();
    cacheKeys.add(cacheKey);
    this.cacheKeysByKey.set(entry.key.record.id, cacheKeys);
  }
}
