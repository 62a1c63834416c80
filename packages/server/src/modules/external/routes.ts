import * as routes from "@fanfare/contract";
import type { FastifyPluginAsync } from "fastify";
import type { Deps } from "../../deps.js";
import { addRoute } from "../../http/contract-routes.js";
import { errors } from "../../http/errors.js";
import { enforceLimits } from "../../http/rate-limit.js";
import { actorOf, authOf } from "../access/index.js";
import { authorizeExternal, exchangeCode } from "./service.js";

const MAX_CLAIMS_CHARS = 10_000;
// Minting exchange codes is a merchant-server action; a runaway loop should not mint unbounded codes.
const AUTHORIZE_PER_MINUTE = 100;

/** Consumer API: sign-in with the merchant's own login, through a one-time exchange code. */
export function externalAuthRoutes(deps: Deps): FastifyPluginAsync {
  return async (app) => {
    addRoute(app, routes.authorizeExternal, async (request, reply) => {
      const { key } = authOf(request);
      await enforceLimits(deps.limiter, reply, [
        { key: `external-authorize:${key?.record.id}`, limit: AUTHORIZE_PER_MINUTE, windowMs: 60_000 },
      ]);
      if (request.body.claims && JSON.stringify(request.body.claims).length > MAX_CLAIMS_CHARS) {
        throw errors.validation(`Invalid request: body.claims is larger than ${MAX_CLAIMS_CHARS} characters.`, [
          { path: "body.claims", message: `must be at most ${MAX_CLAIMS_CHARS} characters of JSON` },
        ]);
      }
      return authorizeExternal(deps, authOf(request).tenant, actorOf(request), request.body);
    });

    addRoute(app, routes.exchangeExternalCode, async (request) =>
      exchangeCode(deps, authOf(request).tenant, request.body.exchangeCode),
    );
  };
}
