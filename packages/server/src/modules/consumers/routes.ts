import { ConsumerMe, ConsumerView, Deleted, IdParams, Page, PageQuery, RevokeSessionsResult } from "@fanfare/contract";
import type { FastifyPluginAsyncTypebox } from "@fastify/type-provider-typebox";
import { Type } from "typebox";
import type { Deps } from "../../deps.js";
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
const read = { auth: { kind: "secret", scope: "read:consumers" } } as const;
const write = { auth: { kind: "secret", scope: "write:consumers" } } as const;
const tags = ["Consumers"];

/** Admin API: the merchant's shoppers — find them, sign them out, erase them. */
export function consumerAdminRoutes(deps: Deps): FastifyPluginAsyncTypebox {
  return async (app) => {
    app.get(
      "/consumers",
      {
        config: read,
        schema: {
          summary: "List consumers, or find one by email or phone",
          tags,
          querystring: Type.Object(
            {
              ...PageQuery,
              email: Type.Optional(Type.String({ minLength: 3, maxLength: 320, description: "Exact email" })),
              phone: Type.Optional(
                Type.String({ minLength: 3, maxLength: 32, description: "Phone, E.164 or +country" }),
              ),
            },
            { additionalProperties: false },
          ),
          response: { 200: Page(ConsumerView) },
        },
      },
      async (request) => {
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
      },
    );

    app.get(
      "/consumers/:id",
      {
        config: { ...read, errors: ["consumer_not_found"] as const },
        schema: { summary: "Get a consumer", tags, params: IdParams, response: { 200: ConsumerView } },
      },
      async (request) => view(await requireConsumer(deps, authOf(request).tenant, request.params.id)),
    );

    app.post(
      "/consumers/:id/sessions/revoke",
      {
        config: { ...write, errors: ["consumer_not_found"] as const },
        schema: {
          tags,
          summary: "Sign the consumer out everywhere",
          params: IdParams,
          response: { 200: RevokeSessionsResult },
        },
      },
      async (request) => signOutEverywhere(deps, authOf(request).tenant, actorOf(request), request.params.id),
    );

    app.delete(
      "/consumers/:id",
      {
        config: { ...write, errors: ["consumer_not_found"] as const },
        schema: {
          tags,
          summary: "Erase the consumer's personal data (counts are kept, anonymised)",
          params: IdParams,
          response: { 200: Deleted("consumer") },
        },
      },
      async (request) => {
        await eraseConsumerData(deps, authOf(request).tenant, actorOf(request), request.params.id);
        return { id: request.params.id, object: "consumer" as const, deleted: true as const };
      },
    );
  };
}

/** Consumer API: the signed-in consumer's own profile and the places they hold. */
export function consumerSelfRoutes(deps: Deps): FastifyPluginAsyncTypebox {
  return async (app) => {
    app.get(
      "/consumers/me",
      {
        config: { auth: { kind: "consumer" } },
        schema: {
          summary: "The signed-in consumer, with the queues they are in",
          tags,
          response: {
            200: ConsumerMe,
          },
        },
      },
      async (request) => {
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
      },
    );
  };
}
