import type { Selectable, Transaction } from "kysely";
import type { Db } from "../../db/database.js";
import type { ApiKeysTable, Database, KeyKind, Mode } from "../../db/schema.js";
import { inTenant, pageById } from "../../db/scoped-queries.js";
import type { TenantScope } from "../../lib/tenant.js";

export interface ApiKeyRecord {
  id: string;
  organizationId: string;
  mode: Mode;
  kind: KeyKind;
  name: string;
  hint: string;
  permissions: string[];
  status: "active" | "inactive";
  expiresAt: string | null;
  allowedCidrs: string[];
  createdAt: string;
  createdBy: string | null;
  lastUsedAt: string | null;
  /** The last regeneration, if any. */
  rotatedAt: string | null;
  deletedAt: string | null;
  updatedAt: string;
}

export interface NewApiKey extends Omit<ApiKeyRecord, "lastUsedAt" | "rotatedAt" | "deletedAt"> {
  digest: string;
}

type Executor = Db["kysely"] | Transaction<Database>;

function toRecord(row: Selectable<ApiKeysTable>): ApiKeyRecord {
  return {
    id: row.id,
    organizationId: row.organization_id,
    mode: row.mode,
    kind: row.kind,
    name: row.name,
    hint: row.hint,
    permissions: JSON.parse(row.permissions) as string[],
    status: row.status,
    expiresAt: row.expires_at,
    allowedCidrs: JSON.parse(row.allowed_cidrs) as string[],
    createdAt: row.created_at,
    createdBy: row.created_by,
    lastUsedAt: row.last_used_at,
    rotatedAt: row.rotated_at,
    deletedAt: row.deleted_at,
    updatedAt: row.updated_at,
  };
}

export async function insertKey(executor: Executor, scope: TenantScope, key: NewApiKey): Promise<void> {
  await executor
    .insertInto("api_keys")
    .values({
      id: key.id,
      organization_id: scope.organizationId,
      mode: scope.mode,
      kind: key.kind,
      name: key.name,
      digest: key.digest,
      hint: key.hint,
      permissions: JSON.stringify(key.permissions),
      status: key.status,
      expires_at: key.expiresAt,
      allowed_cidrs: JSON.stringify(key.allowedCidrs),
      created_at: key.createdAt,
      created_by: key.createdBy,
      last_used_at: null,
      deleted_at: null,
      updated_at: key.updatedAt,
    })
    .execute();
}

export async function getKey(db: Db, scope: TenantScope, id: string): Promise<ApiKeyRecord | undefined> {
  return (await getKeyWithDigest(db, scope, id))?.record;
}

export async function listKeys(db: Db, scope: TenantScope): Promise<ApiKeyRecord[]> {
  const rows = await db.kysely.selectFrom("api_keys").selectAll().$call(inTenant(scope)).orderBy("id").execute();
  return rows.map(toRecord);
}

export type KeyStatusFilter = "active" | "inactive" | "expired";

export interface KeyListQuery {
  first: number;
  /** Id of the last key on the previous page (newest first). */
  after?: string | undefined;
  kind?: KeyKind | undefined;
  status?: KeyStatusFilter | undefined;
  /** Now, ISO: decides which active keys count as expired. */
  now: string;
}

/** One page, newest first; deleted keys are never listed. Fetches one extra row to know if more follow. */
export async function listKeysPage(
  db: Db,
  scope: TenantScope,
  query: KeyListQuery,
): Promise<{ keys: ApiKeyRecord[]; hasNextPage: boolean }> {
  let select = db.kysely.selectFrom("api_keys").selectAll().$call(inTenant(scope)).where("deleted_at", "is", null);
  if (query.kind) select = select.where("kind", "=", query.kind);
  if (query.status === "inactive") select = select.where("status", "=", "inactive");
  if (query.status === "active") {
    select = select
      .where("status", "=", "active")
      .where((eb) => eb.or([eb("expires_at", "is", null), eb("expires_at", ">", query.now)]));
  }
  if (query.status === "expired") {
    select = select.where("status", "=", "active").where("expires_at", "<=", query.now);
  }
  const { rows, hasNextPage } = await pageById(select, query);
  return { keys: rows.map(toRecord), hasNextPage };
}

export type KeyChanges = Partial<
  Pick<ApiKeyRecord, "name" | "permissions" | "expiresAt" | "allowedCidrs" | "status" | "deletedAt">
> & { updatedAt: string };

export async function updateKey(
  executor: Executor,
  scope: TenantScope,
  id: string,
  changes: KeyChanges,
): Promise<void> {
  await executor
    .updateTable("api_keys")
    .set({
      ...(changes.name !== undefined ? { name: changes.name } : {}),
      ...(changes.permissions !== undefined ? { permissions: JSON.stringify(changes.permissions) } : {}),
      ...(changes.expiresAt !== undefined ? { expires_at: changes.expiresAt } : {}),
      ...(changes.allowedCidrs !== undefined ? { allowed_cidrs: JSON.stringify(changes.allowedCidrs) } : {}),
      ...(changes.status !== undefined ? { status: changes.status } : {}),
      ...(changes.deletedAt !== undefined ? { deleted_at: changes.deletedAt } : {}),
      updated_at: changes.updatedAt,
    })
    .$call(inTenant(scope))
    .where("id", "=", id)
    .execute();
}

/** A key with the digest of its current value: the version a regeneration replaces. */
export async function getKeyWithDigest(
  db: Db,
  scope: TenantScope,
  id: string,
): Promise<{ record: ApiKeyRecord; digest: string } | undefined> {
  const row = await db.kysely
    .selectFrom("api_keys")
    .selectAll()
    .$call(inTenant(scope))
    .where("id", "=", id)
    .executeTakeFirst();
  return row ? { record: toRecord(row), digest: row.digest } : undefined;
}

/**
 * Swaps a key's digest for a new one, only if the key still has the digest `expected` (read
 * before the transaction) and is not deleted: of two concurrent regenerations the second finds
 * the first's digest and changes nothing (false). The update decides it in the database:
 * PostgreSQL re-checks the condition once the first transaction's row lock is released, and
 * SQLite runs one transaction at a time. With a grace period the old digest is kept, tied to the
 * same key row, until `graceUntil`.
 */
export async function replaceDigest(
  trx: Transaction<Database>,
  scope: TenantScope,
  id: string,
  next: { expected: string; digest: string; hint: string; updatedAt: string; graceUntil: string | null },
): Promise<boolean> {
  const result = await trx
    .updateTable("api_keys")
    .set({ digest: next.digest, hint: next.hint, updated_at: next.updatedAt, rotated_at: next.updatedAt })
    .$call(inTenant(scope))
    .where("id", "=", id)
    .where("digest", "=", next.expected)
    .where("deleted_at", "is", null)
    .executeTakeFirst();
  if (result.numUpdatedRows === 0n) return false;
  if (next.graceUntil) {
    await trx
      .insertInto("api_key_previous_digests")
      .values({ digest: next.expected, key_id: id, expires_at: next.graceUntil })
      .execute();
  }
  return true;
}

/** Ends every grace period of a key at once (deletion, or a regeneration after a leak). */
export async function dropPreviousDigests(executor: Executor, keyId: string): Promise<void> {
  await executor.deleteFrom("api_key_previous_digests").where("key_id", "=", keyId).execute();
}

/** A digest that a regeneration retired: the key it belonged to and when its grace ends. */
export async function findByPreviousDigest(
  db: Db,
  digest: string,
): Promise<{ key: ApiKeyRecord; graceUntil: string } | undefined> {
  const row = await db.kysely
    .selectFrom("api_key_previous_digests")
    .innerJoin("api_keys", "api_keys.id", "api_key_previous_digests.key_id")
    .selectAll("api_keys")
    .select("api_key_previous_digests.expires_at as grace_until")
    .where("api_key_previous_digests.digest", "=", digest)
    .executeTakeFirst();
  return row ? { key: toRecord(row), graceUntil: row.grace_until } : undefined;
}

/** Writes buffered last-used times in one transaction; never moves a time backwards. */
export async function writeLastUsed(db: Db, entries: ReadonlyArray<{ id: string; at: string }>): Promise<void> {
  if (entries.length === 0) return;
  await db.kysely.transaction().execute(async (trx) => {
    for (const { id, at } of entries) {
      await trx
        .updateTable("api_keys")
        .set({ last_used_at: at })
        .where("id", "=", id)
        .where((eb) => eb.or([eb("last_used_at", "is", null), eb("last_used_at", "<", at)]))
        .execute();
    }
  });
}

/**
 * The one lookup that is not tenant-scoped: a presented key is what tells us the tenant. The
 * caller must still check that the row's kind and mode match the key's own prefix.
 */
export async function findKeyByDigest(db: Db, digest: string): Promise<ApiKeyRecord | undefined> {
  const row = await db.kysely.selectFrom("api_keys").selectAll().where("digest", "=", digest).executeTakeFirst();
  return row ? toRecord(row) : undefined;
}
