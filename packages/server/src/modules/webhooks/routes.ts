import type { FastifyPluginAsyncTypebox } from "@fastify/type-provider-typebox";
import { Type } from "typebox";
import type { Deps } from "../../deps.js";
import { actorOf, authOf } from "../../http/auth.js";
import { Deleted, IdParams, NullableTimestamp, Timestamp } from "../../http/schemas.js";
import { createEndpoint, removeEndpoint, requireEndpoint, WEBHOOK_EVENTS } from "./service.js";
import { deliveriesOf, listEndpoints, type WebhookEndpoint } from "./store.js";

const EventType = Type.Union(WEBHOOK_EVENTS.map((event) => Type.Literal(event)));
const EndpointFields = {
  id: Type.String(),
  object: Type.Literal("webhook_endpoint"),
  url: Type.String(),
  description: Type.Union([Type.String(), Type.Null()]),
  events: Type.Array(Type.String()),
  mode: Type.Union([Type.Literal("live"), Type.Literal("test")]),
  createdAt: Timestamp,
};
const EndpointView = Type.Object(EndpointFields);

const config = { auth: { kind: "secret", scope: "admin" } } as const;
const tags = ["Webhooks"];
const security = [{ SecretKey: [] }];

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
          security,
          body: Type.Object(
            {
              url: Type.String({ minLength: 1, maxLength: 2000 }),
              events: Type.Array(EventType, { minItems: 1 }),
              description: Type.Optional(Type.String({ maxLength: 200 })),
            },
            { additionalProperties: false },
          ),
          response: { 201: Type.Object({ ...EndpointFields, secret: Type.String() }) },
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
      { config, schema: { tags, security, response: { 200: Type.Object({ data: Type.Array(EndpointView) }) } } },
      async (request) => {
        const { tenant } = authOf(request);
        return { data: (await listEndpoints(deps.db, tenant)).map((endpoint) => view(endpoint, tenant.mode)) };
      },
    );

    app.get(
      "/webhook-endpoints/:id",
      { config, schema: { tags, security, params: IdParams, response: { 200: EndpointView } } },
      async (request) => {
        const { tenant } = authOf(request);
        return view(await requireEndpoint(deps, tenant, request.params.id), tenant.mode);
      },
    );

    app.get(
      "/webhook-endpoints/:id/deliveries",
      {
        config,
        schema: {
          tags,
          summary: "The latest 100 deliveries to the endpoint and how they went",
          security,
          params: IdParams,
          response: {
            200: Type.Object({
              data: Type.Array(
                Type.Object({
                  id: Type.String(),
                  eventId: Type.String(),
                  type: Type.String(),
                  status: Type.Union([Type.Literal("pending"), Type.Literal("succeeded"), Type.Literal("failed")]),
                  attempts: Type.Integer(),
                  nextAttemptAt: NullableTimestamp,
                  lastStatusCode: Type.Union([Type.Integer(), Type.Null()]),
                  lastError: Type.Union([Type.String(), Type.Null()]),
                  createdAt: Timestamp,
                }),
              ),
            }),
          },
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
      { config, schema: { tags, security, params: IdParams, response: { 200: Deleted("webhook_endpoint") } } },
      async (request) => {
        await removeEndpoint(deps, authOf(request).tenant, actorOf(request), request.params.id);
        return { id: request.params.id, object: "webhook_endpoint" as const, deleted: true as const };
      },
    );
  };
}
