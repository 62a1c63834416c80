import type { ServerResponse } from "node:http";
import * as routes from "@fanfare/contract";
import type { FastifyPluginAsync } from "fastify";
import type { Deps } from "../../deps.js";
import { addRoute } from "../../http/contract-routes.js";
import { actorOf, authOf } from "../access/index.js";
import { admitNext, denyConsumer } from "../queue-entries/index.js";
import { credentialCheck } from "./credential-check.js";
import { LiveBroadcast, type Snapshot } from "./live-broadcast.js";
import { liveStreamsOf } from "./live-streams.js";
import { extendAdmissionsAudited } from "./operator.js";
import { queueLive } from "./snapshot.js";
import { SseStream } from "./sse-stream.js";

/** Admin API: the drop's control room for one queue — its live view, as a document or a stream, and the operator's actions. */
export function queueLiveRoutes(deps: Deps): FastifyPluginAsync {
  const broadcast = new LiveBroadcast(deps);
  const streams = liveStreamsOf(deps);
  // An action's admissions count in the pace at once: this process's activity is written first.
  // The action has committed, so a failed write only waits for the next flush (which logs it).
  const afterAction = () => deps.queueActivity.flush().catch(() => {});
  return async (app) => {
    const open = new Set<ServerResponse>();
    // Streams never end by themselves: they end before the server closes, or closing would wait on them.
    app.addHook("preClose", (done) => {
      for (const response of open) response.end();
      done();
    });

    addRoute(app, routes.getQueueLive, async (request) => queueLive(deps, authOf(request).tenant, request.params.id));

    addRoute(app, routes.streamQueueLive, async (request, reply) => {
      const auth = authOf(request);
      const queueId = request.params.id;
      // Refusals are plain answers, before the stream starts: past a cap 429, an unknown queue 404.
      const release = await streams.reserve(auth);
      let first: Snapshot;
      try {
        first = await queueLive(deps, auth.tenant, queueId);
      } catch (err) {
        release();
        throw err;
      }
      reply.hijack();
      const response = reply.raw;
      response.writeHead(200, {
        "content-type": "text/event-stream; charset=utf-8",
        "cache-control": "no-store",
        "x-accel-buffering": "no",
        // Not kept alive once the stream ends: a server closing ends its streams and must not
        // then wait out the keep-alive timeout of their idle connections.
        connection: "close",
      });
      const stream = new SseStream(response);
      stream.send("snapshot", first);
      open.add(response);
      const unwatch = broadcast.watch(auth.tenant, queueId, ({ event, data }) => {
        if (event === "gone") stream.finish(event, data);
        else stream.send(event, data);
      });
      const untrack = streams.track(auth, credentialCheck(deps, request), () => stream.finish("revoked", { queueId }));
      response.on("close", () => {
        unwatch();
        untrack();
        release();
        open.delete(response);
        // A viewer who went away leaves a response never ended: its socket goes too, or the
        // server would count the connection as busy and wait on it when closing.
        response.socket?.destroy();
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
