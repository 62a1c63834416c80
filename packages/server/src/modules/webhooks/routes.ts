import {
  CreateWebhookEndpointBody,
  Deleted,
  IdParams,
  WebhookDeliveryView,
  WebhookEndpointView,
  WebhookEndpointWithSecret,
} from "@fanfare/contract";
import type { FastifyPluginAsyncTypebox } from "@fastify/type-provider-typebox";
import { Type } from "typebox";
import type { Deps } from "../../deps.js";
import { actorOf, authOf } from "../access/index.js";
import { createEndpoint, removeEndpoint, requireEndpoint } from "./service.js";
import { deliveriesOf, listEndpoints, type WebhookEndpoint } from "./store.js";

const config = { auth: { kind: "secret", scope: "admin" } } as const;
const tags = ["Webhooks"];

/** Admin API: where alert events are delivered, per mode. */
export function webhookRoutes(deps: Deps): FastifyPluginAsyncTypebox {
  return async (app) => {
    const view = (endpoint: WebhookEndpoint, mode: "live" | "test") => ({
      object: "webhook_endpoint" as const,
      ...endpoint,
      mode,
    });

    app.post(
      "/webhook-endpoints",
      {
        config,
        schema: {
          tags,
          summary: "Register an endpoint; the signing secret is shown once",
          body: CreateWebhookEndpointBody,
          response: { 201: WebhookEndpointWithSecret },
        },
      },
      async (request, reply) => {
        const { tenant } = authOf(request);
        const { endpoint, secret } = await createEndpoint(deps, tenant, actorOf(request), request.body);
        return reply.code(201).send({ ...view(endpoint, tenant.mode), secret });
      },
    );

    app.get(
      "/webhook-endpoints",
      {
        config,
        schema: {
          summary: "List webhook endpoints",
          tags,
          response: { 200: Type.Object({ data: Type.Array(WebhookEndpointView) }) },
        },
      },
      async (request) => {
        const { tenant } = authOf(request);
        return { data: (await listEndpoints(deps.db, tenant)).map((endpoint) => view(endpoint, tenant.mode)) };
      },
    );

    app.get(
      "/webhook-endpoints/:id",
      {
        config: { ...config, errors: ["not_found"] as const },
        schema: { summary: "Get a webhook endpoint", tags, params: IdParams, response: { 200: WebhookEndpointView } },
      },
      async (request) => {
        const { tenant } = authOf(request);
        return view(await requireEndpoint(deps, tenant, request.params.id), tenant.mode);
      },
    );

    app.get(
      "/webhook-endpoints/:id/deliveries",
      {
        config: { ...config, errors: ["not_found"] as const },
        schema: {
          tags,
          summary: "The latest 100 deliveries to the endpoint and how they went",
          params: IdParams,
          response: { 200: Type.Object({ data: Type.Array(WebhookDeliveryView) }) },
        },
      },
      async (request) => {
        const { tenant } = authOf(request);
        await requireEndpoint(deps, tenant, request.params.id);
        const rows = await deliveriesOf(deps.db, tenant, request.params.id, 100);
        return {
          data: rows.map((row) => ({
            id: row.id,
            eventId: row.event_id,
            type: row.event_type,
            status: row.status,
            attempts: row.attempts,
            nextAttemptAt: row.status === "pending" ? row.next_attempt_at : null,
            lastStatusCode: row.last_status_code,
            lastError: row.last_error,
            createdAt: row.created_at,
          })),
        };
      },
    );

    app.delete(
      "/webhook-endpoints/:id",
      {
        config: { ...config, errors: ["not_found"] as const },
        schema: {
          summary: "Delete a webhook endpoint",
          tags,
          params: IdParams,
          response: { 200: Deleted("webhook_endpoint") },
        },
      },
      async (request) => {
        await removeEndpoint(deps, authOf(request).tenant, actorOf(request), request.params.id);
        return { id: request.params.id, object: "webhook_endpoint" as const, deleted: true as const };
      },
    );
  };
}
