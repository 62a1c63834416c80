import type { ServerResponse } from "node:http";
import * as routes from "@fanfare/contract";
import type { FastifyPluginAsync } from "fastify";
import type { Deps } from "../../deps.js";
import { addRoute } from "../../http/contract-routes.js";
import { AppError } from "../../http/errors.js";
import { actorOf, authOf } from "../access/index.js";
import { LiveSnapshots } from "./live-snapshots.js";
import { admitNextAudited, denyAudited, extendAdmissionsAudited } from "./operator.js";

const TICK_MS = 1000;

/** Admin API: the drop's control room for one queue — its live view, as a document or a stream, and the operator's actions. */
export function queueLiveRoutes(deps: Deps): FastifyPluginAsync {
  const snapshots = new LiveSnapshots(deps);
  return async (app) => {
    const streams = new Set<ServerResponse>();
    // Streams never end by themselves: closing the app ends them, or shutdown would wait on them.
    app.addHook("onClose", async () => {
      for (const stream of streams) stream.end();
    });

    addRoute(app, routes.getQueueLive, async (request) => snapshots.get(authOf(request).tenant, request.params.id));

    addRoute(app, routes.streamQueueLive, async (request, reply) => {
      const { tenant } = authOf(request);
      const queueId = request.params.id;
      // An unknown queue is a plain 404, before the stream starts.
      const first = await snapshots.get(tenant, queueId);
      reply.hijack();
      const stream = reply.raw;
      stream.writeHead(200, {
        "content-type": "text/event-stream; charset=utf-8",
        "cache-control": "no-store",
        "x-accel-buffering": "no",
      });
      const send = (event: string, data: unknown) => stream.write(`event: ${event}\ndata: ${JSON.stringify(data)}\n\n`);
      send("snapshot", first);
      streams.add(stream);
      const timer = setInterval(async () => {
        try {
          send("snapshot", await snapshots.get(tenant, queueId));
        } catch (err) {
          if (err instanceof AppError && err.code === "queue_not_found") {
            send("gone", { queueId });
            stream.end();
          } else {
            request.log.warn({ err }, "a live view snapshot failed; the stream goes on");
          }
        }
      }, TICK_MS);
      stream.on("close", () => {
        clearInterval(timer);
        streams.delete(stream);
      });
      return reply;
    });

    addRoute(app, routes.admitNextInLine, async (request) => {
      const { tenant } = authOf(request);
      const admitted = await admitNextAudited(deps, tenant, actorOf(request), request.params.id, request.body.count);
      await snapshots.forget(tenant, request.params.id);
      return admitted;
    });

    addRoute(app, routes.denyInLine, async (request) => {
      const { tenant } = authOf(request);
      const { consumerId, reason } = request.body;
      const denied = await denyAudited(
        deps,
        tenant,
        actorOf(request),
        request.params.id,
        consumerId,
        reason ?? "ADMIN_ACTION",
      );
      await snapshots.forget(tenant, request.params.id);
      return denied;
    });

    addRoute(app, routes.extendAdmissions, async (request) => {
      const { tenant } = authOf(request);
      const extended = await extendAdmissionsAudited(
        deps,
        tenant,
        actorOf(request),
        request.params.id,
        request.body.seconds,
      );
      await snapshots.forget(tenant, request.params.id);
      return extended;
    });
  };
}
