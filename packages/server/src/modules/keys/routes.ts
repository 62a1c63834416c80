import {
  ApiKeyPage,
  ApiKeyView,
  ApiKeyWithSecret,
  CreateApiKeyBody,
  DeletedApiKey,
  KeyIdParams,
  ListApiKeysQuery,
  RegenerateBody,
  UpdateApiKeyBody,
} from "@fanfare/contract";
import type { FastifyPluginAsyncTypebox } from "@fastify/type-provider-typebox";
import type { Deps } from "../../deps.js";
import { decodeCursor, pageOf } from "../../http/pagination.js";
import { isoAt } from "../../lib/clock.js";
import { isId } from "../../lib/ids.js";
import { actorOf, authOf } from "../access/index.js";
import {
  createApiKey,
  deleteApiKey,
  getApiKey,
  type KeyManagementContext,
  regenerateApiKey,
  setKeyActive,
  updateApiKey,
  viewOf,
} from "./service.js";
import { listKeysPage } from "./store.js";

const auth = { kind: "secret", scope: "admin" } as const;
const tags = ["API keys"];

/** Admin API: the key lifecycle. A key manages keys of its own organization and mode only. */
export function apiKeyRoutes(deps: Deps): FastifyPluginAsyncTypebox {
  return async (app) => {
    const context = (request: Parameters<typeof actorOf>[0]): KeyManagementContext => ({
      deps,
      tenant: authOf(request).tenant,
      actor: actorOf(request),
    });

    app.post(
      "/api-keys",
      {
        config: { auth },
        schema: {
          summary: "Create an API key (its full key is shown once)",
          tags,
          body: CreateApiKeyBody,
          response: { 201: ApiKeyWithSecret },
        },
      },
      async (request, reply) => {
        const { type, ...rest } = request.body;
        const created = await createApiKey(context(request), { ...rest, kind: type });
        return reply.code(201).send(created);
      },
    );

    app.get(
      "/api-keys",
      {
        config: { auth },
        schema: { summary: "List API keys", tags, querystring: ListApiKeysQuery, response: { 200: ApiKeyPage } },
      },
      async (request) => {
        const { tenant } = authOf(request);
        const query = request.query;
        const first = query.first ?? 20;
        // Another mode's keys are never visible: asking for them yields an empty page.
        if (query.mode !== undefined && query.mode !== tenant.mode) return pageOf([], false, (r) => r);
        const { keys, hasNextPage } = await listKeysPage(deps.db, tenant, {
          first,
          after: decodeCursor(query.after, (id) => isId("apiKey", id)),
          kind: query.type,
          status: query.status,
          now: isoAt(deps.clock.now()),
        });
        return pageOf(keys, hasNextPage, (record) => viewOf({ deps }, record));
      },
    );

    app.get(
      "/api-keys/:id",
      {
        config: { auth, errors: ["not_found"] as const },
        schema: { summary: "Get an API key", tags, params: KeyIdParams, response: { 200: ApiKeyView } },
      },
      async (request) => getApiKey(context(request), request.params.id),
    );

    app.patch(
      "/api-keys/:id",
      {
        config: { auth, errors: ["not_found"] as const },
        schema: {
          summary: "Change an API key's name, permissions, expiry or networks",
          tags,
          params: KeyIdParams,
          body: UpdateApiKeyBody,
          response: { 200: ApiKeyView },
        },
      },
      async (request) => updateApiKey(context(request), request.params.id, request.body),
    );

    app.post(
      "/api-keys/:id/regenerate",
      {
        config: { auth, errors: ["not_found"] as const },
        schema: {
          summary: "Replace an API key, the old one working for a grace period",
          tags,
          params: KeyIdParams,
          body: RegenerateBody,
          response: { 200: ApiKeyWithSecret },
        },
      },
      async (request) => regenerateApiKey(context(request), request.params.id, request.body?.gracePeriodSeconds ?? 0),
    );

    for (const [action, active, summary] of [
      ["deactivate", false, "Stop an API key from working until it is activated"],
      ["activate", true, "Let a deactivated API key work again"],
    ] as const) {
      app.post(
        `/api-keys/:id/${action}`,
        {
          config: { auth, errors: ["not_found"] as const },
          schema: { summary, tags, params: KeyIdParams, response: { 200: ApiKeyView } },
        },
        async (request) => setKeyActive(context(request), request.params.id, active),
      );
    }

    app.delete(
      "/api-keys/:id",
      {
        config: { auth, errors: ["not_found"] as const },
        schema: { summary: "Delete an API key", tags, params: KeyIdParams, response: { 200: DeletedApiKey } },
      },
      async (request) => {
        const { id } = await deleteApiKey(context(request), request.params.id);
        return { id, object: "api_key" as const, deleted: true as const };
      },
    );
  };
}
