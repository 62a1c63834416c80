import * as routes from "@fanfare/contract";
import type { FastifyPluginAsync } from "fastify";
import { RowCache } from "../../cache/row-cache.js";
import type { Deps } from "../../deps.js";
import { addRoute } from "../../http/contract-routes.js";
import { actorOf, authOf } from "../access/index.js";
import { requireExperience } from "../experiences/index.js";
import { createQueue, deleteQueue, queueNotFound, queueStatus, requireQueue, updateQueue } from "./service.js";
import { getQueue, listQueues, type Queue } from "./store.js";

/** Admin API: the waiting rooms of an experience. */
export function queueAdminRoutes(deps: Deps): FastifyPluginAsync {
  return async (app) => {
    const view = (queue: Queue) => ({
      object: "queue" as const,
      ...queue,
      status: queueStatus(queue, deps.clock.now()),
    });

    addRoute(app, routes.createQueue, async (request, reply) => {
      const { tenant } = authOf(request);
      const queue = await createQueue(deps, tenant, actorOf(request), request.params.id, request.body);
      return reply.code(201).send(view(queue));
    });

    addRoute(app, routes.listQueues, async (request) => {
      const { tenant } = authOf(request);
      await requireExperience(deps, tenant, request.params.id);
      return { data: (await listQueues(deps.db, tenant, request.params.id)).map(view) };
    });

    addRoute(app, routes.getQueue, async (request) =>
      view(await requireQueue(deps, authOf(request).tenant, request.params.id)),
    );

    addRoute(app, routes.updateQueue, async (request) =>
      view(await updateQueue(deps, authOf(request).tenant, actorOf(request), request.params.id, request.body)),
    );

    addRoute(app, routes.deleteQueue, async (request) => {
      await deleteQueue(deps, authOf(request).tenant, actorOf(request), request.params.id);
      return { id: request.params.id, object: "queue" as const, deleted: true as const };
    });
  };
}

/** How stale a browser's view of a queue may be: one read per process per second at most. */
const PUBLIC_VIEW_TTL_MS = 1000;

/** Consumer API: a queue's public state for browsers. */
export function queueConsumerRoutes(deps: Deps): FastifyPluginAsync {
  // Its count moves with every entry, too often for change events: kept for a fixed time instead.
  const queues = new RowCache<Queue>(deps.clock, PUBLIC_VIEW_TTL_MS, undefined, deps.metrics.cacheCounters("queue"));
  return async (app) => {
    addRoute(app, routes.getPublicQueue, async (request) => {
      const { tenant } = authOf(request);
      const id = request.params.id;
      const queue = await queues.get(`${tenant.organizationId}:${tenant.mode}:${id}`, () =>
        getQueue(deps.db, tenant, id),
      );
      if (!queue) throw queueNotFound();
      // The window is judged now, so a queue opens on the second even from a cached record.
      return { object: "queue" as const, ...queue, status: queueStatus(queue, deps.clock.now()) };
    });
  };
}
