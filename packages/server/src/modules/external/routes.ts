import { ExternalAuthorizeBody, ExternalAuthorizeResult, SessionEnvelope } from "@fanfare/contract";
import type { FastifyPluginAsyncTypebox } from "@fastify/type-provider-typebox";
import { Type } from "typebox";
import type { Deps } from "../../deps.js";
import { errors } from "../../http/errors.js";
import { enforceLimits } from "../../http/rate-limit.js";
import { authOf } from "../access/index.js";
import { authorizeExternal, exchangeCode } from "./service.js";

const MAX_CLAIMS_CHARS = 10_000;
// Minting exchange codes is a merchant-server action; a runaway loop should not mint unbounded codes.
const AUTHORIZE_PER_MINUTE = 100;

const tags = ["Consumer authentication"];

/** Consumer API: sign-in with the merchant's own login, through a one-time exchange code. */
export function externalAuthRoutes(deps: Deps): FastifyPluginAsyncTypebox {
  return async (app) => {
    app.post(
      "/auth/external/authorize",
      {
        config: { auth: { kind: "secret", scope: "write:consumers" } },
        schema: {
          summary: "Sign in one of the merchant's customers: an exchange code for the browser",
          tags,
          body: ExternalAuthorizeBody,
          response: {
            200: ExternalAuthorizeResult,
          },
        },
      },
      async (request, reply) => {
        const { key } = authOf(request);
        await enforceLimits(deps.limiter, reply, [
          { key: `external-authorize:${key?.record.id}`, limit: AUTHORIZE_PER_MINUTE, windowMs: 60_000 },
        ]);
        if (request.body.claims && JSON.stringify(request.body.claims).length > MAX_CLAIMS_CHARS) {
          throw errors.validation(`Invalid request: body.claims is larger than ${MAX_CLAIMS_CHARS} characters.`, [
            { path: "body.claims", message: `must be at most ${MAX_CLAIMS_CHARS} characters of JSON` },
          ]);
        }
        return authorizeExternal(deps, authOf(request).tenant, request.body);
      },
    );

    app.post(
      "/auth/external/exchange",
      {
        config: { auth: { kind: "publishable" }, errors: ["invalid_exchange_code", "exchange_code_expired"] as const },
        schema: {
          summary: "Redeem an exchange code for a session",
          tags,
          body: Type.Object(
            { exchangeCode: Type.String({ minLength: 1, maxLength: 100 }) },
            { additionalProperties: false },
          ),
          response: { 200: SessionEnvelope },
        },
      },
      async (request) => exchangeCode(deps, authOf(request).tenant, request.body.exchangeCode),
    );
  };
}
