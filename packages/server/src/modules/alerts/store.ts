import type { Selectable, Transaction } from "kysely";
import type { Db } from "../../db/database.js";
import type { AlertsTable, AlertType, Database, Mode, Plan } from "../../db/schema.js";
import { inTenant, pageById } from "../../db/scoped-queries.js";
import type { TenantScope } from "../../lib/tenant.js";

/** An alert as the rest of the code sees it: camelCase, details parsed. */
export interface Alert {
  id: string;
  tenant: TenantScope;
  type: AlertType;
  /** Null for an organization-wide alert. */
  keyId: string | null;
  status: "open" | "resolved";
  details: Record<string, unknown>;
  firedAt: string;
  resolvedAt: string | null;
  acknowledgedAt: string | null;
  updatedAt: string;
}

/**
 * An organization-wide alert is stored with an empty key id rather than null, so the index that
 * allows one open alert per rule and key still holds for it (nulls never collide).
 */
const NO_KEY = "";

function toAlert(row: Selectable<AlertsTable>): Alert {
  return {
    id: row.id,
    tenant: { organizationId: row.organization_id, mode: row.mode },
    type: row.type,
    keyId: row.key_id === NO_KEY ? null : row.key_id,
    status: row.status,
    details: JSON.parse(row.details) as Record<string, unknown>,
    firedAt: row.fired_at,
    resolvedAt: row.resolved_at,
    acknowledgedAt: row.acknowledged_at,
    updatedAt: row.updated_at,
  };
}

/** Every key the rules look at, with what its organization's plan and rules say. */
export async function keysToWatch(db: Db) {
  return db.kysely
    .selectFrom("api_keys")
    .innerJoin("organizations", "organizations.id", "api_keys.organization_id")
    .select([
      "api_keys.id as keyId",
      "api_keys.organization_id as organizationId",
      "api_keys.mode as mode",
      "api_keys.kind as kind",
      "api_keys.created_at as createdAt",
      "api_keys.rotated_at as rotatedAt",
      "api_keys.last_used_at as lastUsedAt",
      "organizations.plan as plan",
      "organizations.rate_limit_per_minute as rateLimitPerMinute",
      "organizations.alert_rules as alertRules",
    ])
    .where("api_keys.deleted_at", "is", null)
    .where("api_keys.status", "=", "active")
    .execute() as Promise<
    {
      keyId: string;
      organizationId: string;
      mode: Mode;
      kind: "publishable" | "secret";
      createdAt: string;
      rotatedAt: string | null;
      lastUsedAt: string | null;
      plan: Plan;
      rateLimitPerMinute: number | null;
      alertRules: string | null;
    }[]
  >;
}

/** Minute buckets of every key since `from`, for the rules that look at traffic. */
export async function recentMinutes(db: Db, from: string) {
  const rows = await db.kysely
    .selectFrom("api_key_usage")
    .select(["key_id", "bucket_start", "requests", "successes"])
    .where("granularity", "=", "minute")
    .where("bucket_start", ">=", from)
    .execute();
  return rows.map((row) => ({
    keyId: row.key_id,
    startMs: Date.parse(row.bucket_start),
    requests: Number(row.requests),
    successes: Number(row.successes),
  }));
}

export async function openAlerts(db: Db): Promise<Alert[]> {
  const rows = await db.kysely.selectFrom("alerts").selectAll().where("status", "=", "open").execute();
  return rows.map(toAlert);
}

/** Opens an alert unless one is open for the same rule and key; true when this call opened it. */
export async function openAlert(trx: Transaction<Database>, alert: Alert): Promise<boolean> {
  const result = await trx
    .insertInto("alerts")
    .values({
      id: alert.id,
      organization_id: alert.tenant.organizationId,
      mode: alert.tenant.mode,
      type: alert.type,
      key_id: alert.keyId ?? NO_KEY,
      status: alert.status,
      details: JSON.stringify(alert.details),
      fired_at: alert.firedAt,
      resolved_at: alert.resolvedAt,
      acknowledged_at: alert.acknowledgedAt,
      updated_at: alert.updatedAt,
    })
    .onConflict((oc) => oc.doNothing())
    .executeTakeFirst();
  return Number(result.numInsertedOrUpdatedRows ?? 0) === 1;
}

/** Resolves an open alert; true when this call resolved it (so only one process announces it). */
export async function resolveAlert(trx: Transaction<Database>, id: string, now: string): Promise<boolean> {
  const result = await trx
    .updateTable("alerts")
    .set({ status: "resolved", resolved_at: now, updated_at: now })
    .where("id", "=", id)
    .where("status", "=", "open")
    .executeTakeFirst();
  return Number(result.numUpdatedRows) === 1;
}

export async function listAlerts(
  db: Db,
  scope: TenantScope,
  query: {
    status?: "open" | "resolved" | undefined;
    type?: AlertType | undefined;
    first: number;
    after?: string | undefined;
  },
) {
  let select = db.kysely.selectFrom("alerts").selectAll().$call(inTenant(scope));
  if (query.status) select = select.where("status", "=", query.status);
  if (query.type) select = select.where("type", "=", query.type);
  const { rows, hasNextPage } = await pageById(select, query);
  return { alerts: rows.map(toAlert), hasNextPage };
}

export async function getAlert(db: Db, scope: TenantScope, id: string): Promise<Alert | undefined> {
  const row = await db.kysely
    .selectFrom("alerts")
    .selectAll()
    .$call(inTenant(scope))
    .where("id", "=", id)
    .executeTakeFirst();
  return row && toAlert(row);
}

/** Whether the alert was waiting for an acknowledgement (it is acknowledged once). */
export async function acknowledgeAlert(
  trx: Transaction<Database>,
  scope: TenantScope,
  id: string,
  now: string,
): Promise<boolean> {
  const result = await trx
    .updateTable("alerts")
    .set({ acknowledged_at: now, updated_at: now })
    .$call(inTenant(scope))
    .where("id", "=", id)
    .where("acknowledged_at", "is", null)
    .executeTakeFirst();
  return Number(result.numUpdatedRows) === 1;
}

export async function saveAlertRules(
  trx: Transaction<Database>,
  organizationId: string,
  rules: string,
  now: string,
): Promise<void> {
  await trx
    .updateTable("organizations")
    .set({ alert_rules: rules, updated_at: now })
    .where("id", "=", organizationId)
    .execute();
}

export async function storedAlertRules(db: Db, organizationId: string): Promise<string | null> {
  const row = await db.kysely
    .selectFrom("organizations")
    .select("alert_rules")
    .where("id", "=", organizationId)
    .executeTakeFirst();
  return row?.alert_rules ?? null;
}
