import { randomBytes } from "node:crypto";
import type { WebhookEvent } from "@fanfare/contract";
import type { Transaction } from "kysely";
import type { Db } from "../../db/database.js";
import type { Database } from "../../db/schema.js";
import type { Deps } from "../../deps.js";
import { errors } from "../../http/errors.js";
import { isoAt } from "../../lib/clock.js";
import { newId } from "../../lib/ids.js";
import { seal } from "../../lib/sealed-box.js";
import type { TenantScope } from "../../lib/tenant.js";
import { applyChange, inMode } from "../audit/apply-change.js";
import type { Actor } from "../audit/service.js";
import {
  type Delivery,
  deleteEndpoint,
  getEndpoint,
  insertDeliveries,
  insertEndpoint,
  subscribers,
  type WebhookEndpoint,
} from "./store.js";

export const endpointNotFound = () => errors.resourceNotFound("Webhook endpoint");

async function checkUrl(deps: Deps, tenant: TenantScope, url: string): Promise<string> {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    throw errors.validation("Invalid request: body.url must be an absolute URL.", [
      { path: "body.url", message: "must be an absolute URL" },
    ]);
  }
  // Payloads describe the merchant's keys: in production they only travel encrypted.
  const allowed = deps.config.production ? ["https:"] : ["https:", "http:"];
  if (!allowed.includes(parsed.protocol)) {
    throw errors.validation(`Invalid request: body.url must use ${allowed.join(" or ")}.`, [
      { path: "body.url", message: `must use ${allowed.join(" or ")}` },
    ]);
  }
  const problem = await deps.outbound.policy.problemWith(parsed, tenant.mode);
  if (problem) {
    throw errors.validation(`Invalid request: body.url ${problem}.`, [{ path: "body.url", message: problem }]);
  }
  return parsed.toString();
}

/** Registers an endpoint; its signing secret is returned this once and stored sealed. */
export async function createEndpoint(
  deps: Deps,
  tenant: TenantScope,
  actor: Actor,
  input: { url: string; events: WebhookEvent[]; description?: string | undefined },
): Promise<{ endpoint: WebhookEndpoint; secret: string }> {
  const nowMs = deps.clock.now();
  const endpoint: WebhookEndpoint = {
    id: newId("webhook", nowMs),
    url: await checkUrl(deps, tenant, input.url),
    description: input.description ?? null,
    events: [...new Set(input.events)],
    createdAt: isoAt(nowMs),
  };
  const secret = `whsec_${randomBytes(32).toString("base64url")}`;
  await applyChange(deps, inMode(tenant, actor), async (trx, audit) => {
    await insertEndpoint(trx, tenant, endpoint, seal(deps.secrets["webhook-secret-encryption"], secret));
    await audit({
      action: "webhook_endpoint.created",
      targetType: "webhook_endpoint",
      targetId: endpoint.id,
      after: endpoint,
    });
    return { result: endpoint };
  });
  return { endpoint, secret };
}

export async function requireEndpoint(deps: Deps, tenant: TenantScope, id: string): Promise<WebhookEndpoint> {
  const endpoint = await getEndpoint(deps.db, tenant, id);
  if (!endpoint) throw endpointNotFound();
  return endpoint;
}

export async function removeEndpoint(deps: Deps, tenant: TenantScope, actor: Actor, id: string): Promise<void> {
  const endpoint = await requireEndpoint(deps, tenant, id);
  await applyChange(deps, inMode(tenant, actor), async (trx, audit) => {
    await deleteEndpoint(trx, tenant, id, isoAt(deps.clock.now()));
    await audit({ action: "webhook_endpoint.deleted", targetType: "webhook_endpoint", targetId: id, before: endpoint });
    return { result: undefined };
  });
}

/** Sent on request to one endpoint, whatever it subscribed to; no endpoint can subscribe to it. */
const TEST_EVENT = "webhook.test";

/** An event as every endpoint receives it: one id and one payload (signed afresh at each attempt). */
interface OutgoingEvent {
  tenant: TenantScope;
  id: string;
  type: WebhookEvent | typeof TEST_EVENT;
  payload: string;
  createdAtMs: number;
}

function newEvent(deps: Deps, tenant: TenantScope, type: OutgoingEvent["type"], data: unknown): OutgoingEvent {
  const nowMs = deps.clock.now();
  const id = newId("webhookEvent", nowMs);
  const payload = JSON.stringify({ id, type, timestamp: isoAt(nowMs), organizationId: tenant.organizationId, data });
  return { tenant, id, type, payload, createdAtMs: nowMs };
}

/** The event's delivery to one endpoint, due at once. */
function pendingDelivery(event: OutgoingEvent, endpointId: string): Delivery {
  const now = isoAt(event.createdAtMs);
  return {
    id: newId("webhookDelivery", event.createdAtMs),
    endpointId,
    tenant: event.tenant,
    eventId: event.id,
    eventType: event.type,
    payload: event.payload,
    status: "pending",
    attempts: 0,
    nextAttemptAt: now,
    lastStatusCode: null,
    lastError: null,
    createdAt: now,
    updatedAt: now,
  };
}

/**
 * Queues an event for every endpoint of the tenant that subscribed to it. Deliveries are rows
 * first, sent by the dispatcher after: nothing is lost to a crash or a restart. Pass the
 * transaction that makes the change the event announces, so neither exists without the other.
 */
export async function emitEvent(
  deps: Deps,
  tenant: TenantScope,
  type: WebhookEvent,
  data: unknown,
  executor: Db["kysely"] | Transaction<Database> = deps.db.kysely,
): Promise<void> {
  const endpoints = await subscribers(executor, tenant, type);
  if (endpoints.length === 0) return;
  const event = newEvent(deps, tenant, type, data);
  await insertDeliveries(
    executor,
    endpoints.map((endpoint) => pendingDelivery(event, endpoint.id)),
  );
}

/** Queues a `webhook.test` event for one endpoint, sent and retried like any other; returns its delivery. */
export async function sendTestEvent(
  deps: Deps,
  tenant: TenantScope,
  actor: Actor,
  endpointId: string,
): Promise<Delivery> {
  const endpoint = await requireEndpoint(deps, tenant, endpointId);
  const data = { message: "This is a test event from Fanfare", endpointId: endpoint.id };
  const delivery = pendingDelivery(newEvent(deps, tenant, TEST_EVENT, data), endpoint.id);
  // A key that makes the server send a request to a URL is recorded like one that saves the URL.
  return applyChange(deps, inMode(tenant, actor), async (trx, audit) => {
    await insertDeliveries(trx, [delivery]);
    await audit({
      action: "webhook_endpoint.test_sent",
      targetType: "webhook_endpoint",
      targetId: endpoint.id,
      after: { deliveryId: delivery.id, eventId: delivery.eventId },
    });
    return { result: delivery };
  });
}
