import type { ServerResponse } from "node:http";
import * as routes from "@fanfare/contract";
import type { FastifyPluginAsync } from "fastify";
import type { Deps } from "../../deps.js";
import { addRoute } from "../../http/contract-routes.js";
import { actorOf, authOf } from "../access/index.js";
import { admitNext, denyConsumer } from "../queue-entries/index.js";
import { LiveBroadcast, type LiveEvent } from "./live-broadcast.js";
import { extendAdmissionsAudited } from "./operator.js";
import { queueLive } from "./snapshot.js";

/** Admin API: the drop's control room for one queue — its live view, as a document or a stream, and the operator's actions. */
export function queueLiveRoutes(deps: Deps): FastifyPluginAsync {
  const broadcast = new LiveBroadcast(deps);
  // An action's admissions count in the pace at once: this process's activity is written first.
  // The action has committed, so a failed write only waits for the next flush (which logs it).
  const afterAction = () => deps.queueActivity.flush().catch(() => {});
  return async (app) => {
    const streams = new Set<ServerResponse>();
    // Streams never end by themselves: they end before the server closes, or closing would wait on them.
    app.addHook("preClose", (done) => {
      for (const stream of streams) stream.end();
      done();
    });

    addRoute(app, routes.getQueueLive, async (request) => queueLive(deps, authOf(request).tenant, request.params.id));

    addRoute(app, routes.streamQueueLive, async (request, reply) => {
      const { tenant } = authOf(request);
      const queueId = request.params.id;
      // An unknown queue is a plain 404, before the stream starts.
      const first = await queueLive(deps, tenant, queueId);
      reply.hijack();
      const stream = reply.raw;
      stream.writeHead(200, {
        "content-type": "text/event-stream; charset=utf-8",
        "cache-control": "no-store",
        "x-accel-buffering": "no",
        // Not kept alive once the stream ends: a server closing ends its streams and must not
        // then wait out the keep-alive timeout of their idle connections.
        connection: "close",
      });
      const send = ({ event, data }: LiveEvent) => {
        stream.write(`event: ${event}\ndata: ${JSON.stringify(data)}\n\n`);
        if (event === "gone") stream.end();
      };
      send({ event: "snapshot", data: first });
      streams.add(stream);
      const unwatch = broadcast.watch(tenant, queueId, send);
      stream.on("close", () => {
        unwatch();
        streams.delete(stream);
        // A viewer who went away leaves a response never ended: its socket goes too, or the
        // server would count the connection as busy and wait on it when closing.
        stream.socket?.destroy();
      });
      return reply;
    });

    addRoute(app, routes.admitNextInLine, async (request) => {
      const { tenant } = authOf(request);
      const admitted = await admitNext(deps, tenant, actorOf(request), request.params.id, request.body.count);
      await afterAction();
      return { data: admitted };
    });

    addRoute(app, routes.denyInLine, async (request) => {
      const { tenant } = authOf(request);
      const { consumerId, reason } = request.body;
      const denied = await denyConsumer(
        deps,
        tenant,
        actorOf(request),
        request.params.id,
        consumerId,
        reason ?? "ADMIN_ACTION",
      );
      await afterAction();
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
      await afterAction();
      return extended;
    });
  };
}
