import type { Selectable, Transaction } from "kysely";
import type { Db } from "../../db/database.js";
import type { Database, WebhookDeliveriesTable, WebhookEndpointsTable } from "../../db/schema.js";
import { inTenant } from "../../db/scoped-queries.js";
import type { TenantScope } from "../../lib/tenant.js";

export interface WebhookEndpoint {
  id: string;
  url: string;
  description: string | null;
  events: string[];
  createdAt: string;
}

export type Delivery = Selectable<WebhookDeliveriesTable>;
type Executor = Db["kysely"] | Transaction<Database>;

function toEndpoint(row: Selectable<WebhookEndpointsTable>): WebhookEndpoint {
  return {
    id: row.id,
    url: row.url,
    description: row.description,
    events: JSON.parse(row.events) as string[],
    createdAt: row.created_at,
  };
}

function liveEndpoints(executor: Executor, scope: TenantScope) {
  return executor.selectFrom("webhook_endpoints").selectAll().$call(inTenant(scope)).where("deleted_at", "is", null);
}

export async function insertEndpoint(
  executor: Executor,
  scope: TenantScope,
  endpoint: WebhookEndpoint,
  secretSealed: string,
) {
  await executor
    .insertInto("webhook_endpoints")
    .values({
      id: endpoint.id,
      organization_id: scope.organizationId,
      mode: scope.mode,
      url: endpoint.url,
      description: endpoint.description,
      events: JSON.stringify(endpoint.events),
      secret_sealed: secretSealed,
      created_at: endpoint.createdAt,
      deleted_at: null,
    })
    .execute();
}

export async function listEndpoints(db: Db, scope: TenantScope): Promise<WebhookEndpoint[]> {
  return (await liveEndpoints(db.kysely, scope).orderBy("id").execute()).map(toEndpoint);
}

export async function getEndpoint(db: Db, scope: TenantScope, id: string): Promise<WebhookEndpoint | undefined> {
  const row = await liveEndpoints(db.kysely, scope).where("id", "=", id).executeTakeFirst();
  return row ? toEndpoint(row) : undefined;
}

/** Deleting stops future deliveries; pending ones are abandoned with it. */
export async function deleteEndpoint(
  trx: Transaction<Database>,
  scope: TenantScope,
  id: string,
  now: string,
): Promise<void> {
  await trx
    .updateTable("webhook_endpoints")
    .set({ deleted_at: now })
    .$call(inTenant(scope))
    .where("id", "=", id)
    .execute();
  await trx
    .updateTable("webhook_deliveries")
    .set({ status: "failed", last_error: "endpoint deleted", updated_at: now })
    .where("endpoint_id", "=", id)
    .where("status", "=", "pending")
    .execute();
}

/** Endpoints of the tenant subscribed to an event type. */
export async function subscribers(executor: Executor, scope: TenantScope, eventType: string) {
  const rows = await liveEndpoints(executor, scope).execute();
  return rows.filter((row) => (JSON.parse(row.events) as string[]).includes(eventType));
}

export async function insertDeliveries(executor: Executor, deliveries: Delivery[]): Promise<void> {
  if (deliveries.length > 0) await executor.insertInto("webhook_deliveries").values(deliveries).execute();
}

export async function dueDeliveries(db: Db, now: string, limit: number): Promise<Delivery[]> {
  return db.kysely
    .selectFrom("webhook_deliveries")
    .selectAll()
    .where("status", "=", "pending")
    .where("next_attempt_at", "<=", now)
    .orderBy("next_attempt_at")
    .limit(limit)
    .execute();
}

/**
 * Takes a delivery for one attempt by pushing its next attempt past a lease: of several
 * processes that saw it due, exactly one wins the update.
 */
export async function claimDelivery(db: Db, delivery: Delivery, leaseUntil: string): Promise<boolean> {
  const result = await db.kysely
    .updateTable("webhook_deliveries")
    .set({ next_attempt_at: leaseUntil })
    .where("id", "=", delivery.id)
    .where("status", "=", "pending")
    .where("next_attempt_at", "=", delivery.next_attempt_at)
    .executeTakeFirst();
  return Number(result.numUpdatedRows) === 1;
}

export async function recordAttempt(
  db: Db,
  id: string,
  outcome: Pick<Delivery, "status" | "attempts" | "next_attempt_at" | "last_status_code" | "last_error" | "updated_at">,
): Promise<void> {
  await db.kysely.updateTable("webhook_deliveries").set(outcome).where("id", "=", id).execute();
}

export async function endpointSecret(db: Db, endpointId: string): Promise<{ url: string; sealed: string } | undefined> {
  const row = await db.kysely
    .selectFrom("webhook_endpoints")
    .select(["url", "secret_sealed"])
    .where("id", "=", endpointId)
    .executeTakeFirst();
  return row ? { url: row.url, sealed: row.secret_sealed } : undefined;
}

export async function deliveriesOf(db: Db, scope: TenantScope, endpointId: string, limit: number): Promise<Delivery[]> {
  return db.kysely
    .selectFrom("webhook_deliveries")
    .selectAll()
    .$call(inTenant(scope))
    .where("endpoint_id", "=", endpointId)
    .orderBy("id", "desc")
    .limit(limit)
    .execute();
}
