import { KeyIdParams, KeyUsage, OrganizationUsage, UsageQuery } from "@fanfare/contract";
import type { FastifyPluginAsyncTypebox } from "@fastify/type-provider-typebox";
import type { Deps } from "../../deps.js";
import { authOf } from "../access/index.js";
import { keyUsage, organizationUsage } from "./service.js";

const config = { auth: { kind: "secret", scope: "read:analytics" } } as const;
const tags = ["Usage"];

/**
 * Admin API: request statistics per key and for the organization. Counters are flushed every
 * `FANFARE_USAGE_FLUSH_MS`, so the newest second may not be included yet.
 */
export function usageRoutes(deps: Deps): FastifyPluginAsyncTypebox {
  return async (app) => {
    app.get(
      "/api-keys/:id/usage",
      {
        config: { ...config, errors: ["not_found"] as const },
        schema: {
          summary: "An API key's requests over time, by outcome",
          tags,
          params: KeyIdParams,
          querystring: UsageQuery,
          response: { 200: KeyUsage },
        },
      },
      async (request) => keyUsage(deps, authOf(request).tenant, request.params.id, request.query),
    );

    app.get(
      "/usage",
      {
        config,
        schema: {
          summary: "The organization's requests over time, by outcome and key",
          tags,
          querystring: UsageQuery,
          response: { 200: OrganizationUsage },
        },
      },
      async (request) => organizationUsage(deps, authOf(request).tenant, request.query),
    );
  };
}
