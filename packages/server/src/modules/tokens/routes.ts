import { getJwks, JsonWebKeySet } from "@fanfare/contract";
import type { FastifyInstance, FastifyPluginAsync, FastifyReply } from "fastify";
import type { Deps } from "../../deps.js";
import { addRoute } from "../../http/contract-routes.js";

function jwks(deps: Deps, reply: FastifyReply) {
  // Short cache: a rotated-in key must reach verifiers well before it signs long-lived tokens.
  reply.header("cache-control", "public, max-age=300");
  return deps.signingKeys.jwks();
}

/** `/api/v1/.well-known/jwks.json` (and its `/api` alias). */
export function jwksRoutes(deps: Deps): FastifyPluginAsync {
  return async (app) => addRoute(app, getJwks, async (_request, reply) => jwks(deps, reply));
}

/** The conventional root location, for libraries that look there; the document lists the API's own. */
export function registerRootJwks(app: FastifyInstance, deps: Deps): void {
  app.get(
    getJwks.path,
    { config: { auth: getJwks.auth }, schema: { hide: true, response: { 200: JsonWebKeySet } } },
    async (_request, reply) => jwks(deps, reply),
  );
}
