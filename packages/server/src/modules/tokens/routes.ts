import { JsonWebKeySet } from "@fanfare/contract";
import type { FastifyPluginAsyncTypebox } from "@fastify/type-provider-typebox";
import type { FastifyInstance } from "fastify";
import type { Deps } from "../../deps.js";

const schema = {
  tags: ["Consumer authentication"],
  summary: "Public keys that verify access tokens (JWKS)",
  response: { 200: JsonWebKeySet },
};

function serveJwks(app: FastifyInstance, deps: Deps, url: string, hide: boolean): void {
  app.get(url, { config: { auth: { kind: "none" } }, schema: { ...schema, hide } }, async (_request, reply) => {
    // Short cache: a rotated-in key must reach verifiers well before it signs long-lived tokens.
    reply.header("cache-control", "public, max-age=300");
    return deps.signingKeys.jwks();
  });
}

/** `/api/v1/.well-known/jwks.json` (and its `/api` alias). */
export function jwksRoutes(deps: Deps): FastifyPluginAsyncTypebox {
  return async (app) => serveJwks(app, deps, "/.well-known/jwks.json", false);
}

/** The conventional root location, for libraries that look there. */
export function registerRootJwks(app: FastifyInstance, deps: Deps): void {
  serveJwks(app, deps, "/.well-known/jwks.json", true);
}
