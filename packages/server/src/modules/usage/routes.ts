import * as routes from "@fanfare/contract";
import type { FastifyPluginAsync } from "fastify";
import type { Deps } from "../../deps.js";
import { addRoute } from "../../http/contract-routes.js";
import { authOf } from "../access/index.js";
import { keyUsage, organizationUsage } from "./service.js";

/**
 * Admin API: request statistics per key and for the organization. Counters are flushed every
 * `FANFARE_USAGE_FLUSH_MS`, so the newest second may not be included yet.
 */
export function usageRoutes(deps: Deps): FastifyPluginAsync {
  return async (app) => {
    addRoute(app, routes.getKeyUsage, async (request) =>
      keyUsage(deps, authOf(request).tenant, request.params.id, request.query),
    );

    addRoute(app, routes.getOrganizationUsage, async (request) =>
      organizationUsage(deps, authOf(request).tenant, request.query),
    );
  };
}
