import * as routes from "@fanfare/contract";
import type { FastifyPluginAsync, FastifyRequest } from "fastify";
import type { Deps } from "../../deps.js";
import { addRoute } from "../../http/contract-routes.js";
import { decodeCursor, pageOf } from "../../http/pagination.js";
import { isoAt } from "../../lib/clock.js";
import { isId } from "../../lib/ids.js";
import { actorOf, authOf } from "../access/index.js";
import {
  createApiKey,
  deleteApiKey,
  getApiKey,
  type KeyManagementContext,
  type RegenerationBase,
  readRegenerationBase,
  regenerateApiKey,
  setKeyActive,
  updateApiKey,
  viewOf,
} from "./service.js";
import { listKeysPage } from "./store.js";

/** Admin API: the key lifecycle. A key manages keys of its own organization and mode only. */
export function apiKeyRoutes(deps: Deps): FastifyPluginAsync {
  return async (app) => {
    const context = (request: Parameters<typeof actorOf>[0]): KeyManagementContext => ({
      deps,
      tenant: authOf(request).tenant,
      actor: actorOf(request),
    });

    addRoute(app, routes.createApiKey, async (request, reply) => {
      const { type, ...rest } = request.body;
      const created = await createApiKey(context(request), { ...rest, kind: type });
      return reply.code(201).send(created);
    });

    addRoute(app, routes.listApiKeys, async (request) => {
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
    });

    addRoute(app, routes.getApiKey, async (request) => getApiKey(context(request), request.params.id));

    addRoute(app, routes.updateApiKey, async (request) =>
      updateApiKey(context(request), request.params.id, request.body),
    );

    // The value a regeneration replaces is the one the key had when the request arrived (read
    // before its body), so two regenerations in flight together conflict even where one process
    // runs them one after the other (SQLite). Ids that cannot exist are left to validation.
    const bases = new WeakMap<FastifyRequest, RegenerationBase>();
    addRoute(
      app,
      routes.regenerateApiKey,
      async (request) => {
        const base = bases.get(request) ?? (await readRegenerationBase(context(request), request.params.id));
        return regenerateApiKey(context(request), base, request.body?.gracePeriodSeconds ?? 0);
      },
      {
        preParsing: async (request) => {
          const { id } = request.params;
          if (isId("apiKey", id)) bases.set(request, await readRegenerationBase(context(request), id));
        },
      },
    );

    addRoute(app, routes.deactivateApiKey, async (request) => setKeyActive(context(request), request.params.id, false));
    addRoute(app, routes.activateApiKey, async (request) => setKeyActive(context(request), request.params.id, true));

    addRoute(app, routes.deleteApiKey, async (request) => {
      const { id } = await deleteApiKey(context(request), request.params.id);
      return { id, object: "api_key" as const, deleted: true as const };
    });
  };
}
