import * as routes from "@fanfare/contract";
import type { FastifyPluginAsync } from "fastify";
import type { Deps } from "../../deps.js";
import { addRoute } from "../../http/contract-routes.js";
import { actorOf, authOf } from "../access/index.js";
import { createEndpoint, removeEndpoint, requireEndpoint, sendTestEvent } from "./service.js";
import { type Delivery, deliveriesOf, listEndpoints, type WebhookEndpoint } from "./store.js";

/** A delivery as the API shows it: the next attempt only while one is to come. */
function deliveryView(delivery: Delivery) {
  return {
    id: delivery.id,
    eventId: delivery.eventId,
    type: delivery.eventType,
    status: delivery.status,
    attempts: delivery.attempts,
    nextAttemptAt: delivery.status === "pending" ? delivery.nextAttemptAt : null,
    lastStatusCode: delivery.lastStatusCode,
    lastError: delivery.lastError,
    createdAt: delivery.createdAt,
  };
}

/** Admin API: where alert events (and test events, on request) are delivered, per mode. */
export function webhookRoutes(deps: Deps): FastifyPluginAsync {
  return async (app) => {
    const view = (endpoint: WebhookEndpoint, mode: "live" | "test") => ({
      object: "webhook_endpoint" as const,
      ...endpoint,
      mode,
    });

    addRoute(app, routes.createWebhookEndpoint, async (request, reply) => {
      const { tenant } = authOf(request);
      const { endpoint, secret } = await createEndpoint(deps, tenant, actorOf(request), request.body);
      return reply.code(201).send({ ...view(endpoint, tenant.mode), secret });
    });

    addRoute(app, routes.listWebhookEndpoints, async (request) => {
      const { tenant } = authOf(request);
      return { data: (await listEndpoints(deps.db, tenant)).map((endpoint) => view(endpoint, tenant.mode)) };
    });

    addRoute(app, routes.getWebhookEndpoint, async (request) => {
      const { tenant } = authOf(request);
      return view(await requireEndpoint(deps, tenant, request.params.id), tenant.mode);
    });

    addRoute(app, routes.listWebhookDeliveries, async (request) => {
      const { tenant } = authOf(request);
      await requireEndpoint(deps, tenant, request.params.id);
      const deliveries = await deliveriesOf(deps.db, tenant, request.params.id, 100);
      return { data: deliveries.map(deliveryView) };
    });

    addRoute(app, routes.sendWebhookTestEvent, async (request, reply) => {
      const delivery = await sendTestEvent(deps, authOf(request).tenant, actorOf(request), request.params.id);
      return reply.code(202).send(deliveryView(delivery));
    });

    addRoute(app, routes.deleteWebhookEndpoint, async (request) => {
      await removeEndpoint(deps, authOf(request).tenant, actorOf(request), request.params.id);
      return { id: request.params.id, object: "webhook_endpoint" as const, deleted: true as const };
    });
  };
}
