import type { Transaction } from "kysely";
import type { Db } from "../../db/database.js";
import type { ActorType, AuditLogTable, Database, KeyValue } from "../../db/schema.js";
import { inTenant, pageById } from "../../db/scoped-queries.js";
import type { TenantScope } from "../../lib/tenant.js";

export interface AuditEntry {
  id: string;
  action: string;
  actorType: ActorType;
  actorId: string | null;
  actorKeyValue: KeyValue | null;
  targetType: string;
  targetId: string;
  ip: string | null;
  requestId: string | null;
  before: unknown;
  after: unknown;
  createdAt: string;
}

function toEntry(row: AuditLogTable): AuditEntry {
  return {
    id: row.id,
    action: row.action,
    actorType: row.actor_type,
    actorId: row.actor_id,
    actorKeyValue: row.actor_key_value,
    targetType: row.target_type,
    targetId: row.target_id,
    ip: row.ip,
    requestId: row.request_id,
    before: row.before === null ? null : JSON.parse(row.before),
    after: row.after === null ? null : JSON.parse(row.after),
    createdAt: row.created_at,
  };
}

export async function insertAudit(trx: Transaction<Database>, scope: TenantScope, entry: AuditEntry): Promise<void> {
  await trx
    .insertInto("audit_log")
    .values({
      id: entry.id,
      organization_id: scope.organizationId,
      mode: scope.mode,
      action: entry.action,
      actor_type: entry.actorType,
      actor_id: entry.actorId,
      actor_key_value: entry.actorKeyValue,
      target_type: entry.targetType,
      target_id: entry.targetId,
      ip: entry.ip,
      request_id: entry.requestId,
      before: entry.before === null ? null : JSON.stringify(entry.before),
      after: entry.after === null ? null : JSON.stringify(entry.after),
      created_at: entry.createdAt,
    })
    .execute();
}

export interface AuditQuery {
  first: number;
  after?: string | undefined;
  action?: string | undefined;
  actorId?: string | undefined;
  targetId?: string | undefined;
}

/** Newest first, one page, filtered. */
export async function listAudit(
  db: Db,
  scope: TenantScope,
  query: AuditQuery,
): Promise<{ entries: AuditEntry[]; hasNextPage: boolean }> {
  let select = db.kysely.selectFrom("audit_log").selectAll().$call(inTenant(scope));
  if (query.action) select = select.where("action", "=", query.action);
  if (query.actorId) select = select.where("actor_id", "=", query.actorId);
  if (query.targetId) select = select.where("target_id", "=", query.targetId);
  const { rows, hasNextPage } = await pageById(select, query);
  return { entries: rows.map(toEntry), hasNextPage };
}
