import type { FastifyPluginAsyncTypebox } from "@fastify/type-provider-typebox";
import { Type } from "typebox";
import type { Deps } from "../../deps.js";
import { authOf } from "../../http/auth.js";
import { NullableTimestamp, Timestamp } from "../../http/schemas.js";
import { KeyIdParams } from "../keys/schemas.js";
import { keyUsage, organizationUsage } from "./service.js";

const Counts = {
  requests: Type.Integer(),
  successes: Type.Integer({ description: "Status below 400" }),
  clientErrors: Type.Integer({ description: "Status 400–499, except rate limiting" }),
  serverErrors: Type.Integer({ description: "Status 500 and above" }),
  rateLimited: Type.Integer({ description: "Refused by a rate limit (429)" }),
};
const Rates = {
  successRate: Type.Union([Type.Number(), Type.Null()], { description: "0–1; null without requests" }),
  errorRate: Type.Union([Type.Number(), Type.Null()], { description: "0–1: every request that did not succeed" }),
};
const Range = {
  from: Timestamp,
  to: Timestamp,
  interval: Type.Union([Type.Literal("minute"), Type.Literal("hour"), Type.Literal("day")]),
};
const Series = Type.Array(Type.Object({ start: Timestamp, ...Counts }));

const UsageQuery = Type.Object(
  {
    from: Type.Optional(Type.String({ format: "date-time", description: "Default: 24 hours before `to`" })),
    to: Type.Optional(Type.String({ format: "date-time", description: "Default: now" })),
    interval: Type.Optional(Range.interval),
  },
  { additionalProperties: false },
);

const config = { auth: { kind: "secret", scope: "read:analytics" } } as const;
const tags = ["Usage"];
const security = [{ SecretKey: [] }];

/**
 * Admin API: request statistics per key and for the organization. Counters are flushed every
 * `FANFARE_USAGE_FLUSH_MS`, so the newest second may not be included yet.
 */
export function usageRoutes(deps: Deps): FastifyPluginAsyncTypebox {
  return async (app) => {
    app.get(
      "/api-keys/:id/usage",
      {
        config,
        schema: {
          tags,
          security,
          params: KeyIdParams,
          querystring: UsageQuery,
          response: {
            200: Type.Object({
              object: Type.Literal("api_key_usage"),
              keyId: Type.String(),
              ...Range,
              totals: Type.Object({ ...Counts, ...Rates, lastUsedAt: NullableTimestamp }),
              series: Series,
            }),
          },
        },
      },
      async (request) => keyUsage(deps, authOf(request).tenant, request.params.id, request.query),
    );

    app.get(
      "/usage",
      {
        config,
        schema: {
          tags,
          security,
          querystring: UsageQuery,
          response: {
            200: Type.Object({
              object: Type.Literal("usage"),
              ...Range,
              totals: Type.Object({ ...Counts, ...Rates }),
              series: Series,
              keys: Type.Array(
                Type.Object({
                  keyId: Type.String(),
                  name: Type.Union([Type.String(), Type.Null()]),
                  type: Type.Union([Type.Literal("publishable"), Type.Literal("secret"), Type.Null()]),
                  lastUsedAt: NullableTimestamp,
                  ...Counts,
                  ...Rates,
                }),
              ),
            }),
          },
        },
      },
      async (request) => organizationUsage(deps, authOf(request).tenant, request.query),
    );
  };
}
