import type { Transaction } from "kysely";
import type { Db } from "../../db/database.js";
import type { ApiKeysTable, Database, KeyKind, Mode } from "../../db/schema.js";
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
  deletedAt: string | null;
  updatedAt: string;
}

export interface NewApiKey extends Omit<ApiKeyRecord, "lastUsedAt" | "deletedAt"> {
  digest: string;
}

type Executor = Db["kysely"] | Transaction<Database>;

function toRecord(row: ApiKeysTable): ApiKeyRecord {
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
  const row = await db.kysely
    .selectFrom("api_keys")
    .selectAll()
    .where("organization_id", "=", scope.organizationId)
    .where("mode", "=", scope.mode)
    .where("id", "=", id)
    .executeTakeFirst();
  return row ? toRecord(row) : undefined;
}

export async function listKeys(db: Db, scope: TenantScope): Promise<ApiKeyRecord[]> {
  const rows = await db.kysely
    .selectFrom("api_keys")
    .selectAll()
    .where("organization_id", "=", scope.organizationId)
    .where("mode", "=", scope.mode)
    .orderBy("id")
    .execute();
  return rows.map(toRecord);
}

/**
 * The one lookup that is not tenant-scoped: a presented key is what tells us the tenant. The
 * caller must still check that the row's kind and mode match the key's own prefix.
 */
export async function findKeyByDigest(db: Db, digest: string): Promise<ApiKeyRecord | undefined> {
  const row = await db.kysely.selectFrom("api_keys").selectAll().where("digest", "=", digest).executeTakeFirst();
  return row ? toRecord(row) : undefined;
}
