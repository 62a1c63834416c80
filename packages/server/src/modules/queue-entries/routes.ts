import * as routes from "@fanfare/contract";
import { FINGERPRINT_PATTERN } from "@fanfare/contract";
import type { FastifyPluginAsync, FastifyRequest } from "fastify";
import type { Deps } from "../../deps.js";
import { addRoute } from "../../http/contract-routes.js";
import { AppError } from "../../http/errors.js";
import { actorOf, authOf, consumerOf } from "../access/index.js";
import {
  admitConsumer,
  admitNext,
  completeAdmission,
  denyConsumer,
  enterQueue,
  entryState,
  leaveQueue,
  validateAdmission,
} from "./service.js";

const fingerprintInvalid = () =>
  new AppError(
    "fingerprint_invalid",
    {
      code: "FP003",
      message: "X-Fingerprint must be 1–200 letters, digits, '_', '-', '.' or ':'.",
    },
    { "x-fingerprint-error": "true" },
  );

const FINGERPRINT = new RegExp(FINGERPRINT_PATTERN);

/** The optional device fingerprint a browser sends with `X-Fingerprint`. */
function fingerprintOf(request: FastifyRequest): string | null {
  const header = request.headers["x-fingerprint"];
  if (header === undefined) return null;
  if (typeof header !== "string" || !FINGERPRINT.test(header)) throw fingerprintInvalid();
  return header;
}

/** Consumer API: a consumer's own place in a queue, and the merchant server's control of it. */
export function queueEntryRoutes(deps: Deps): FastifyPluginAsync {
  return async (app) => {
    addRoute(app, routes.enterQueue, async (request, reply) => {
      const { tenant } = authOf(request);
      const fingerprint = fingerprintOf(request);
      const consumer = consumerOf(request);
      const { state, created } = await enterQueue(deps, tenant, request.params.id, consumer.consumerId, fingerprint);
      return reply.code(created ? 201 : 200).send(state);
    });

    addRoute(app, routes.leaveQueue, async (request) =>
      leaveQueue(deps, authOf(request).tenant, request.params.id, consumerOf(request).consumerId),
    );

    addRoute(app, routes.queueStatus, async (request) =>
      entryState(deps, authOf(request).tenant, request.params.id, consumerOf(request).consumerId),
    );

    addRoute(app, routes.admitConsumers, async (request) => {
      const { tenant } = authOf(request);
      const { body } = request;
      const actor = actorOf(request);
      if ("consumerId" in body) return admitConsumer(deps, tenant, actor, request.params.id, body.consumerId);
      return { data: await admitNext(deps, tenant, actor, request.params.id, body.count) };
    });

    addRoute(app, routes.completeAdmission, async (request) =>
      completeAdmission(deps, authOf(request).tenant, actorOf(request), request.params.id, request.body.consumerId),
    );

    addRoute(app, routes.denyConsumer, async (request) => {
      const { consumerId, reason } = request.body;
      return denyConsumer(deps, authOf(request).tenant, actorOf(request), request.params.id, consumerId, reason);
    });

    addRoute(app, routes.validateAdmission, async (request) => {
      const { consumerId, token } = request.body;
      const fingerprint = request.body.fingerprint ?? fingerprintOf(request);
      await validateAdmission(deps, authOf(request).tenant, request.params.id, { consumerId, token, fingerprint });
      return true as const;
    });
  };
}
