import * as routes from "@fanfare/contract";
import type { FastifyPluginAsync } from "fastify";
import type { Deps } from "../../deps.js";
import { addRoute } from "../../http/contract-routes.js";
import { decodeCursor, pageOf } from "../../http/pagination.js";
import { normalizeEmail } from "../../lib/email.js";
import { isId } from "../../lib/ids.js";
import { actorOf, authOf, consumerOf } from "../access/index.js";
import { identifierFrom } from "../otp/identifiers.js";
import { activeEntries } from "../queue-entries/index.js";
import { eraseConsumerData, requireConsumer, signOutEverywhere } from "./service.js";
import { type ConsumerRecord, listConsumers } from "./store.js";

const view = ({ kind, ...consumer }: ConsumerRecord) => ({ object: "consumer" as const, type: kind, ...consumer });
const isConsumerId = (id: string) => isId("consumer", id) || isId("guest", id);

/** Admin API: the merchant's shoppers — find them, sign them out, erase them. */
export function consumerAdminRoutes(deps: Deps): FastifyPluginAsync {
  return async (app) => {
    addRoute(app, routes.listConsumers, async (request) => {
      const { email, phone, first, after } = request.query;
      const filter = {
        email: email === undefined ? undefined : normalizeEmail(email),
        phone: phone === undefined ? undefined : identifierFrom({ phone }).value,
      };
      const { consumers, hasNextPage } = await listConsumers(deps.db, authOf(request).tenant, filter, {
        first: first ?? 20,
        after: decodeCursor(after, isConsumerId),
      });
      return pageOf(consumers, hasNextPage, view);
    });

    addRoute(app, routes.getConsumer, async (request) =>
      view(await requireConsumer(deps, authOf(request).tenant, request.params.id)),
    );

    addRoute(app, routes.signOutConsumer, async (request) =>
      signOutEverywhere(deps, authOf(request).tenant, actorOf(request), request.params.id),
    );

    addRoute(app, routes.eraseConsumer, async (request) => {
      await eraseConsumerData(deps, authOf(request).tenant, actorOf(request), request.params.id);
      return { id: request.params.id, object: "consumer" as const, deleted: true as const };
    });
  };
}

/** Consumer API: the signed-in consumer's own profile and the places they hold. */
export function consumerSelfRoutes(deps: Deps): FastifyPluginAsync {
  return async (app) => {
    addRoute(app, routes.getMe, async (request) => {
      const { tenant } = authOf(request);
      const { consumerId } = consumerOf(request);
      const consumer = await requireConsumer(deps, tenant, consumerId);
      return {
        id: consumer.id,
        isGuest: consumer.kind === "guest",
        email: consumer.email,
        phone: consumer.phone,
        fullName: consumer.fullName,
        createdAt: consumer.createdAt,
        active: { queues: await activeEntries(deps, tenant, consumerId) },
      };
    });
  };
}
