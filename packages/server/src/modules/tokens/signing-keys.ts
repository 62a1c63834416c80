import { createPrivateKey, createPublicKey, generateKeyPairSync, type KeyObject } from "node:crypto";
import type { JWTHeaderParameters } from "jose";
import type { Db } from "../../db/database.js";
import { failsEveryWrite } from "../../db/shared-transaction.js";
import { type Clock, isoAt } from "../../lib/clock.js";
import { isId, newId } from "../../lib/ids.js";
import { LruCache } from "../../lib/lru.js";
import { open, seal } from "../../lib/sealed-box.js";

/** A retired key stays published this long: longer than any access token it signed can live. */
export const RETIRED_KEY_RETENTION_MS = 25 * 3600 * 1000;
const ACTIVE_KEY_TTL_MS = 60_000;
const UNKNOWN_KID_TTL_MS = 10_000;
const FORBIDDEN_HEADERS = ["jwk", "jku", "x5u", "x5c", "x5t", "crit"] as const;

export interface ActiveSigningKey {
  kid: string;
  privateKey: KeyObject;
}

export interface PublicJwk {
  kty: "OKP";
  crv: "Ed25519";
  x: string;
  kid: string;
  alg: "EdDSA";
  use: "sig";
}

/**
 * The Ed25519 keys that sign access tokens. Private halves are stored sealed with a key derived
 * from FANFARE_SECRET; public halves are published as a JWKS. The newest unretired key signs.
 */
export class SigningKeyRing {
  private active: { key: Promise<ActiveSigningKey>; loadedAtMs: number; loaded?: ActiveSigningKey } | undefined;
  private readonly publicKeys = new LruCache<
    string,
    { key: KeyObject | null; loadedAtMs: number; usableUntilMs: number }
  >(1000);
  private readonly publicKeysLoading = new Map<string, Promise<KeyObject | null>>();

  constructor(
    private readonly db: Db,
    private readonly clock: Clock,
    private readonly encryptionKey: Buffer,
  ) {}

  /** Adds a new signing key and retires the previous ones (they stay in the JWKS for a while). */
  async rotate(): Promise<string> {
    const { privateKey, publicKey } = generateKeyPairSync("ed25519");
    const now = this.clock.now();
    const kid = newId("signingKey", now);
    const jwk = { ...publicKey.export({ format: "jwk" }), kid, alg: "EdDSA", use: "sig" };
    await this.db.kysely.transaction().execute(async (trx) => {
      await trx
        .updateTable("signing_keys")
        .set({ retired_at: isoAt(now) })
        .where("retired_at", "is", null)
        .execute();
      await trx
        .insertInto("signing_keys")
        .values({
          kid,
          public_jwk: JSON.stringify(jwk),
          private_key_encrypted: seal(this.encryptionKey, privateKey.export({ format: "der", type: "pkcs8" })),
          created_at: isoAt(now),
          retired_at: null,
        })
        .execute();
    });
    this.active = undefined;
    return kid;
  }

  /**
   * Creates the first signing key on a fresh database, and loads the one that signs: a process
   * that has issued no token yet checks other processes' tokens with it too (`signingKeyOf`).
   */
  async ensureKey(): Promise<void> {
    const existing = await this.db.kysely
      .selectFrom("signing_keys")
      .select("kid")
      .where("retired_at", "is", null)
      .executeTakeFirst();
    if (!existing) await this.rotate();
    await this.activeKey();
  }

  /**
   * The key that signs, re-read once a minute. Concurrent callers share one read: in a drop,
   * thousands of requests arrive while it runs, and each would otherwise read and decrypt the key.
   */
  activeKey(): Promise<ActiveSigningKey> {
    const now = this.clock.now();
    if (this.active && now - this.active.loadedAtMs < ACTIVE_KEY_TTL_MS) return this.active.key;
    const loading = this.loadActiveKey();
    const active: NonNullable<typeof this.active> = { key: loading, loadedAtMs: now };
    this.active = active;
    loading.then(
      (key) => {
        active.loaded = key;
      },
      () => {
        if (this.active === active) this.active = undefined;
      },
    );
    return loading;
  }

  /**
   * The private half of `kid` if it is the key that signs and is loaded here, which lets a token
   * it signed be checked by signing again (`signedWithEdDsa`); undefined otherwise, and the token
   * is verified with the public half. Every server process loads the active key.
   */
  signingKeyOf(kid: string): KeyObject | undefined {
    const loaded = this.active?.loaded;
    return loaded?.kid === kid ? loaded.privateKey : undefined;
  }

  private async loadActiveKey(): Promise<ActiveSigningKey> {
    const row = await this.db.kysely
      .selectFrom("signing_keys")
      .selectAll()
      .where("retired_at", "is", null)
      .orderBy("kid", "desc")
      .executeTakeFirst();
    if (!row) throw new Error("No signing key: run migrations and start the server once");
    const privateKey = createPrivateKey({
      key: open(this.encryptionKey, row.private_key_encrypted),
      format: "der",
      type: "pkcs8",
    });
    return { kid: row.kid, privateKey };
  }

  /**
   * The public key for a `kid`, or null; unknown kids are remembered briefly. Concurrent callers
   * share one read: the first tokens of another server process arrive by the thousand at once.
   */
  publicKey(kid: string): Promise<KeyObject | null> {
    if (!isId("signingKey", kid)) return Promise.resolve(null);
    const now = this.clock.now();
    const cached = this.publicKeys.get(kid);
    if (cached?.key && now < cached.usableUntilMs) return Promise.resolve(cached.key);
    if (cached && !cached.key && now - cached.loadedAtMs < UNKNOWN_KID_TTL_MS) return Promise.resolve(null);
    const pending = this.publicKeysLoading.get(kid);
    if (pending) return pending;
    const loading = this.loadPublicKey(kid, now)
      .catch((err: unknown) => {
        // The periodic re-read of a key we hold must not turn a database outage into refused
        // tokens: the key stays until the database answers (retiring it needs the database).
        if (cached?.key && failsEveryWrite(err)) return cached.key;
        throw err;
      })
      .finally(() => this.publicKeysLoading.delete(kid));
    this.publicKeysLoading.set(kid, loading);
    return loading;
  }

  private async loadPublicKey(kid: string, now: number): Promise<KeyObject | null> {
    const row = await this.db.kysely
      .selectFrom("signing_keys")
      .select(["public_jwk", "retired_at"])
      .where("kid", "=", kid)
      .executeTakeFirst();
    // A retired key verifies only while tokens it signed can still be alive; re-read active ones now and then.
    const usableUntilMs = row?.retired_at
      ? Date.parse(row.retired_at) + RETIRED_KEY_RETENTION_MS
      : now + ACTIVE_KEY_TTL_MS;
    const key = row && now < usableUntilMs ? createPublicKey({ key: JSON.parse(row.public_jwk), format: "jwk" }) : null;
    this.publicKeys.set(kid, { key, loadedAtMs: now, usableUntilMs });
    return key;
  }

  /**
   * The key a JWT's header asks for, for `jwtVerify`. Headers that would let a token choose its
   * own verification key are never honoured: such a token is refused.
   */
  async verificationKey(header: JWTHeaderParameters): Promise<KeyObject> {
    if (FORBIDDEN_HEADERS.some((name) => name in header)) throw new Error("forbidden JOSE header");
    const key = header.kid ? await this.publicKey(header.kid) : null;
    if (!key) throw new Error("unknown kid");
    return key;
  }

  /** The JWKS: every key that may have signed a token that is still valid. */
  async jwks(): Promise<{ keys: PublicJwk[] }> {
    const cutoff = isoAt(this.clock.now() - RETIRED_KEY_RETENTION_MS);
    const rows = await this.db.kysely
      .selectFrom("signing_keys")
      .select("public_jwk")
      .where((eb) => eb.or([eb("retired_at", "is", null), eb("retired_at", ">", cutoff)]))
      .orderBy("kid", "desc")
      .execute();
    return { keys: rows.map((row) => JSON.parse(row.public_jwk) as PublicJwk) };
  }
}
