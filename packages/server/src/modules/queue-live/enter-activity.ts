import * as routes from "@fanfare/contract";
import type { FastifyInstance } from "fastify";
import type { Deps } from "../../deps.js";
import { LruCache } from "../../lib/lru.js";
import { latencyKind } from "./activity.js";

const ENTER = `/api/v1${routes.enterQueue.path}`;

/**
 * Every answered enter counts in its queue's activity: its latency, or a refusal by a rate limit.
 * A refusal comes before the queue is looked up, so it counts only for a queue this process has
 * seen a place taken in: ids made up by a caller never become rows.
 */
export function recordEnterActivity(app: FastifyInstance, deps: Deps): void {
  const knownQueues = new LruCache<string, true>(10_000);
  app.addHook("onResponse", (request, reply, done) => {
    if (request.routeOptions.url === ENTER) {
      const queueId = (request.params as { id: string }).id;
      const status = reply.statusCode;
      if (status === 200 || status === 201) {
        knownQueues.set(queueId, true);
        deps.queueActivity.record(queueId, latencyKind(reply.elapsedTime));
      } else if (status === 429 && knownQueues.get(queueId)) {
        deps.queueActivity.record(queueId, "rate_limited");
      }
    }
    done();
  });
}
