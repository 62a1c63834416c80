import type { Transaction } from "kysely";
import type { Db } from "../../db/database.js";
import type { Database } from "../../db/schema.js";
import { inTenant } from "../../db/scoped-queries.js";
import type { TenantScope } from "../../lib/tenant.js";

export interface IdentityKey {
  provider: string;
  issuer: string;
  subject: string;
}

type Executor = Db["kysely"] | Transaction<Database>;

export async function findIdentityConsumer(db: Executor, scope: TenantScope, identity: IdentityKey) {
  const row = await db
    .selectFrom("external_identities")
    .select("consumer_id")
    .$call(inTenant(scope))
    .where("provider", "=", identity.provider)
    .where("issuer", "=", identity.issuer)
    .where("subject", "=", identity.subject)
    .executeTakeFirst();
  return row?.consumer_id;
}

export async function findCanonicalConsumer(db: Executor, scope: TenantScope, canonicalSubject: string) {
  const row = await db
    .selectFrom("external_identities")
    .select("consumer_id")
    .$call(inTenant(scope))
    .where("canonical_subject", "=", canonicalSubject)
    .orderBy("created_at")
    .executeTakeFirst();
  return row?.consumer_id;
}

export async function insertIdentity(
  trx: Executor,
  scope: TenantScope,
  identity: IdentityKey & { consumerId: string; canonicalSubject: string | null; email: string | null; now: string },
): Promise<void> {
  await trx
    .insertInto("external_identities")
    .values({
      organization_id: scope.organizationId,
      mode: scope.mode,
      provider: identity.provider,
      issuer: identity.issuer,
      subject: identity.subject,
      consumer_id: identity.consumerId,
      canonical_subject: identity.canonicalSubject,
      email: identity.email,
      created_at: identity.now,
    })
    .execute();
}

export async function insertExchangeCode(
  executor: Executor,
  scope: TenantScope,
  code: { digest: string; consumerId: string; expiresAt: string; now: string },
): Promise<void> {
  await executor
    .insertInto("exchange_codes")
    .values({
      digest: code.digest,
      organization_id: scope.organizationId,
      mode: scope.mode,
      consumer_id: code.consumerId,
      expires_at: code.expiresAt,
      consumed_at: null,
      session_id: null,
      replayed_at: null,
      created_at: code.now,
    })
    .execute();
}

/**
 * Consumes a live code of this tenant in one conditional update: of two redemptions, one wins
 * and learns whose code it was; the other gets undefined.
 */
export async function consumeExchangeCode(db: Db, scope: TenantScope, digest: string, now: string) {
  const row = await db.kysely
    .updateTable("exchange_codes")
    .set({ consumed_at: now })
    .where("digest", "=", digest)
    .$call(inTenant(scope))
    .where("consumed_at", "is", null)
    .where("expires_at", ">", now)
    .returning("consumer_id")
    .executeTakeFirst();
  return row ? { consumerId: row.consumer_id } : undefined;
}

export async function findExchangeCode(db: Db, scope: TenantScope, digest: string) {
  return db.kysely
    .selectFrom("exchange_codes")
    .select("consumed_at")
    .where("digest", "=", digest)
    .$call(inTenant(scope))
    .executeTakeFirst();
}

/**
 * The two sides of a replay race, each one statement on the same row: whichever runs second
 * sees the other's mark, so the first redemption's session is always revoked.
 */
export async function recordExchangeSession(db: Db, digest: string, sessionId: string): Promise<{ replayed: boolean }> {
  const row = await db.kysely
    .updateTable("exchange_codes")
    .set({ session_id: sessionId })
    .where("digest", "=", digest)
    .returning("replayed_at")
    .executeTakeFirst();
  return { replayed: row?.replayed_at != null };
}

export async function markReplayed(db: Db, scope: TenantScope, digest: string, now: string) {
  return db.kysely
    .updateTable("exchange_codes")
    .set({ replayed_at: now })
    .where("digest", "=", digest)
    .$call(inTenant(scope))
    .where("consumed_at", "is not", null)
    .returning(["consumer_id", "session_id"])
    .executeTakeFirst();
}
