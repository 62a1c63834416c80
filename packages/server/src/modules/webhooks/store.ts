import type { Selectable, Transaction } from "kysely";
import type { Db } from "../../db/database.js";
import type { Database, DeliveryStatus, WebhookDeliveriesTable, WebhookEndpointsTable } from "../../db/schema.js";
import { inTenant } from "../../db/scoped-queries.js";
import type { TenantScope } from "../../lib/tenant.js";

export interface WebhookEndpoint {
  id: string;
  url: string;
  description: string | null;
  events: string[];
  createdAt: string;
}

/** One event's delivery to one endpoint, and how its attempts went. */
export interface Delivery {
  id: string;
  endpointId: string;
  tenant: TenantScope;
  eventId: string;
  eventType: string;
  /** The exact body that is signed and sent. */
  payload: string;
  status: DeliveryStatus;
  attempts: number;
  nextAttemptAt: string;
  lastStatusCode: number | null;
  lastError: string | null;
  createdAt: string;
  updatedAt: string;
}

/** What an attempt changes on its delivery. */
export type AttemptOutcome = Pick<
  Delivery,
  "status" | "attempts" | "nextAttemptAt" | "lastStatusCode" | "lastError" | "updatedAt"
>;

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

function toDelivery(row: Selectable<WebhookDeliveriesTable>): Delivery {
  return {
    id: row.id,
    endpointId: row.endpoint_id,
    tenant: { organizationId: row.organization_id, mode: row.mode },
    eventId: row.event_id,
    eventType: row.event_type,
    payload: row.payload,
    status: row.status,
    attempts: row.attempts,
    nextAttemptAt: row.next_attempt_at,
    lastStatusCode: row.last_status_code,
    lastError: row.last_error,
    createdAt: row.created_at,
    updatedAt: row.updated_at,
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
  return rows.map(toEndpoint).filter((endpoint) => endpoint.events.includes(eventType));
}

export async function insertDeliveries(executor: Executor, deliveries: Delivery[]): Promise<void> {
  if (deliveries.length === 0) return;
  await executor
    .insertInto("webhook_deliveries")
    .values(
      deliveries.map((delivery) => ({
        id: delivery.id,
        endpoint_id: delivery.endpointId,
        organization_id: delivery.tenant.organizationId,
        mode: delivery.tenant.mode,
        event_id: delivery.eventId,
        event_type: delivery.eventType,
        payload: delivery.payload,
        status: delivery.status,
        attempts: delivery.attempts,
        next_attempt_at: delivery.nextAttemptAt,
        last_status_code: delivery.lastStatusCode,
        last_error: delivery.lastError,
        created_at: delivery.createdAt,
        updated_at: delivery.updatedAt,
      })),
    )
    .execute();
}

export async function dueDeliveries(db: Db, now: string, limit: number): Promise<Delivery[]> {
  const rows = await db.kysely
    .selectFrom("webhook_deliveries")
    .selectAll()
    .where("status", "=", "pending")
    .where("next_attempt_at", "<=", now)
    .orderBy("next_attempt_at")
    .limit(limit)
    .execute();
  return rows.map(toDelivery);
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
    .where("next_attempt_at", "=", delivery.nextAttemptAt)
    .executeTakeFirst();
  return Number(result.numUpdatedRows) === 1;
}

export async function recordAttempt(db: Db, id: string, outcome: AttemptOutcome): Promise<void> {
  await db.kysely
    .updateTable("webhook_deliveries")
    .set({
      status: outcome.status,
      attempts: outcome.attempts,
      next_attempt_at: outcome.nextAttemptAt,
      last_status_code: outcome.lastStatusCode,
      last_error: outcome.lastError,
      updated_at: outcome.updatedAt,
    })
    .where("id", "=", id)
    .execute();
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
  const rows = await db.kysely
    .selectFrom("webhook_deliveries")
    .selectAll()
    .$call(inTenant(scope))
    .where("endpoint_id", "=", endpointId)
    .orderBy("id", "desc")
    .limit(limit)
    .execute();
  return rows.map(toDelivery);
}
