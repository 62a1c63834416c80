import type { FastifyPluginAsyncTypebox } from "@fastify/type-provider-typebox";
import { Type } from "typebox";
import type { Deps } from "../../deps.js";
import { actorOf, authOf } from "../../http/auth.js";
import { Deleted, IdParams, NullableTimestamp, Timestamp } from "../../http/schemas.js";
import { requireExperience } from "../experiences/service.js";
import { createQueue, deleteQueue, queueStatus, requireQueue, updateQueue } from "./service.js";
import { listQueues, type Queue } from "./store.js";

const Status = Type.Union([Type.Literal("PENDING"), Type.Literal("OPEN"), Type.Literal("CLOSED")]);

const QueueView = Type.Object({
  id: Type.String(),
  object: Type.Literal("queue"),
  experienceId: Type.String(),
  name: Type.String(),
  capacity: Type.Union([Type.Integer(), Type.Null()]),
  openAt: NullableTimestamp,
  closeAt: NullableTimestamp,
  status: Status,
  statusOverride: Type.Union([Type.Literal("OPEN"), Type.Literal("CLOSED"), Type.Null()]),
  admissionTtlSeconds: Type.Integer(),
  consumerCount: Type.Integer({ description: "Consumers holding a place: waiting or admitted" }),
  createdAt: Timestamp,
  updatedAt: Timestamp,
});

const Fields = {
  capacity: Type.Optional(Type.Union([Type.Integer({ minimum: 1, maximum: 10_000_000 }), Type.Null()])),
  openAt: Type.Optional(NullableTimestamp),
  closeAt: Type.Optional(NullableTimestamp),
  status: Type.Optional(
    Type.Union([Type.Literal("OPEN"), Type.Literal("CLOSED"), Type.Null()], {
      description: "Manual override of the window; null follows openAt/closeAt",
    }),
  ),
  admissionTtlSeconds: Type.Optional(Type.Integer({ minimum: 60, maximum: 86_400 })),
};
const CreateBody = Type.Object(
  { name: Type.String({ minLength: 1, maxLength: 200 }), ...Fields },
  { additionalProperties: false },
);
const UpdateBody = Type.Object(
  { name: Type.Optional(Type.String({ minLength: 1, maxLength: 200 })), ...Fields },
  { additionalProperties: false, minProperties: 1 },
);

const read = { auth: { kind: "secret", scope: "read:experiences" } } as const;
const write = { auth: { kind: "secret", scope: "write:experiences" } } as const;
const tags = ["Queues"];
const security = [{ SecretKey: [] }];

/** Admin API: the waiting rooms of an experience. */
export function queueAdminRoutes(deps: Deps): FastifyPluginAsyncTypebox {
  return async (app) => {
    const view = (queue: Queue) => ({
      object: "queue" as const,
      ...queue,
      status: queueStatus(queue, deps.clock.now()),
    });

    app.post(
      "/experiences/:id/queues",
      { config: write, schema: { tags, security, params: IdParams, body: CreateBody, response: { 201: QueueView } } },
      async (request, reply) => {
        const { tenant } = authOf(request);
        const queue = await createQueue(deps, tenant, actorOf(request), request.params.id, request.body);
        return reply.code(201).send(view(queue));
      },
    );

    app.get(
      "/experiences/:id/queues",
      {
        config: read,
        schema: { tags, security, params: IdParams, response: { 200: Type.Object({ data: Type.Array(QueueView) }) } },
      },
      async (request) => {
        const { tenant } = authOf(request);
        await requireExperience(deps, tenant, request.params.id);
        return { data: (await listQueues(deps.db, tenant, request.params.id)).map(view) };
      },
    );

    app.get(
      "/queues/:id",
      { config: read, schema: { tags, security, params: IdParams, response: { 200: QueueView } } },
      async (request) => view(await requireQueue(deps, authOf(request).tenant, request.params.id)),
    );

    app.patch(
      "/queues/:id",
      { config: write, schema: { tags, security, params: IdParams, body: UpdateBody, response: { 200: QueueView } } },
      async (request) =>
        view(await updateQueue(deps, authOf(request).tenant, actorOf(request), request.params.id, request.body)),
    );

    app.delete(
      "/queues/:id",
      {
        config: write,
        schema: {
          tags,
          security,
          params: IdParams,
          response: { 200: Deleted("queue") },
        },
      },
      async (request) => {
        await deleteQueue(deps, authOf(request).tenant, actorOf(request), request.params.id);
        return { id: request.params.id, object: "queue" as const, deleted: true as const };
      },
    );
  };
}

/** Consumer API: a queue's public state for browsers. */
export function queueConsumerRoutes(deps: Deps): FastifyPluginAsyncTypebox {
  return async (app) => {
    app.get(
      "/queues/:id",
      {
        config: { auth: { kind: "publishable" } },
        schema: {
          tags,
          security: [{ PublishableKey: [] }],
          params: IdParams,
          response: {
            200: Type.Object({
              id: Type.String(),
              object: Type.Literal("queue"),
              experienceId: Type.String(),
              name: Type.String(),
              capacity: Type.Union([Type.Integer(), Type.Null()]),
              openAt: NullableTimestamp,
              closeAt: NullableTimestamp,
              status: Status,
              consumerCount: Type.Integer({ description: "Consumers holding a place: waiting or admitted" }),
            }),
          },
        },
      },
      async (request) => {
        const queue = await requireQueue(deps, authOf(request).tenant, request.params.id);
        return { object: "queue" as const, ...queue, status: queueStatus(queue, deps.clock.now()) };
      },
    );
  };
}
