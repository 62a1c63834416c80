import { CreateQueueBody, Deleted, IdParams, QueuePublicView, QueueView, UpdateQueueBody } from "@fanfare/contract";
import type { FastifyPluginAsyncTypebox } from "@fastify/type-provider-typebox";
import { Type } from "typebox";
import { RowCache } from "../../cache/row-cache.js";
import type { Deps } from "../../deps.js";
import { actorOf, authOf } from "../access/index.js";
import { requireExperience } from "../experiences/index.js";
import { createQueue, deleteQueue, queueNotFound, queueStatus, requireQueue, updateQueue } from "./service.js";
import { getQueue, listQueues, type Queue } from "./store.js";

const read = { auth: { kind: "secret", scope: "read:experiences" } } as const;
const write = { auth: { kind: "secret", scope: "write:experiences" } } as const;
const tags = ["Queues"];

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
      {
        config: { ...write, errors: ["experience_not_found"] as const },
        schema: {
          summary: "Create a queue in an experience",
          tags,
          params: IdParams,
          body: CreateQueueBody,
          response: { 201: QueueView },
        },
      },
      async (request, reply) => {
        const { tenant } = authOf(request);
        const queue = await createQueue(deps, tenant, actorOf(request), request.params.id, request.body);
        return reply.code(201).send(view(queue));
      },
    );

    app.get(
      "/experiences/:id/queues",
      {
        config: { ...read, errors: ["experience_not_found"] as const },
        schema: {
          summary: "List an experience's queues",
          tags,
          params: IdParams,
          response: { 200: Type.Object({ data: Type.Array(QueueView) }) },
        },
      },
      async (request) => {
        const { tenant } = authOf(request);
        await requireExperience(deps, tenant, request.params.id);
        return { data: (await listQueues(deps.db, tenant, request.params.id)).map(view) };
      },
    );

    app.get(
      "/queues/:id",
      {
        config: { ...read, errors: ["queue_not_found"] as const },
        schema: { summary: "Get a queue with its counters", tags, params: IdParams, response: { 200: QueueView } },
      },
      async (request) => view(await requireQueue(deps, authOf(request).tenant, request.params.id)),
    );

    app.patch(
      "/queues/:id",
      {
        config: { ...write, errors: ["queue_not_found"] as const },
        schema: {
          summary: "Change a queue",
          tags,
          params: IdParams,
          body: UpdateQueueBody,
          response: { 200: QueueView },
        },
      },
      async (request) =>
        view(await updateQueue(deps, authOf(request).tenant, actorOf(request), request.params.id, request.body)),
    );

    app.delete(
      "/queues/:id",
      {
        config: { ...write, errors: ["queue_not_found"] as const },
        schema: {
          summary: "Delete a queue and its entries",
          tags,
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

/** How stale a browser's view of a queue may be: one read per process per second at most. */
const PUBLIC_VIEW_TTL_MS = 1000;

/** Consumer API: a queue's public state for browsers. */
export function queueConsumerRoutes(deps: Deps): FastifyPluginAsyncTypebox {
  // Its count moves with every entry, too often for change events: kept for a fixed time instead.
  const queues = new RowCache<Queue>(deps.clock, PUBLIC_VIEW_TTL_MS);
  return async (app) => {
    app.get(
      "/queues/:id",
      {
        config: { auth: { kind: "publishable" } },
        schema: {
          summary: "A queue's public view: whether it is open, and how many hold a place",
          tags,
          params: IdParams,
          response: {
            200: QueuePublicView,
          },
        },
      },
      async (request) => {
        const { tenant } = authOf(request);
        const id = request.params.id;
        const queue = await queues.get(`${tenant.organizationId}:${tenant.mode}:${id}`, () =>
          getQueue(deps.db, tenant, id),
        );
        if (!queue) throw queueNotFound();
        // The window is judged now, so a queue opens on the second even from a cached record.
        return { object: "queue" as const, ...queue, status: queueStatus(queue, deps.clock.now()) };
      },
    );
  };
}
