import type { FastifyInstance } from "fastify";
import { errors, sendError } from "./errors.js";

const ALLOWED_METHODS = "GET, POST, PATCH, PUT, DELETE";
const ALLOWED_HEADERS = "authorization, content-type, x-publishable-key, x-fingerprint, x-request-id";
const EXPOSED_HEADERS = [
  "x-request-id",
  "x-ratelimit-limit",
  "x-ratelimit-remaining",
  "x-ratelimit-reset",
  "retry-after",
  "x-fingerprint-error",
  "x-fingerprint-mismatch",
].join(", ");
const PREFLIGHT_MAX_AGE_SECONDS = "600";

/**
 * Browsers call the consumer API from the merchant's own pages, on another origin. A preflight
 * carries no credentials, so it cannot be judged per organization: it is answered for any
 * origin, and the real request is then checked against the allowed origins of its tenant's mode,
 * whether a publishable key or an access token alone proved the tenant (403 `origin_not_allowed`,
 * which the page may read, like any refusal, so a developer sees what to allow; nothing else is
 * served to a refused origin). No cookies are involved, so credentials are never allowed.
 *
 * Our own hook rather than @fastify/cors: the plugin rebuilt the route's options and its own on
 * every request (about 5% of a cached read, profiled), for a policy this small.
 */
export function allowBrowserOrigins(app: FastifyInstance): void {
  app.addHook("onRequest", (request, reply, done) => {
    // The answer depends on Origin, so shared caches must key on it.
    reply.header("vary", "Origin");
    const origin = request.headers.origin;
    if (origin === undefined) return done();
    reply.header("access-control-allow-origin", origin);
    if (request.method !== "OPTIONS") {
      reply.header("access-control-expose-headers", EXPOSED_HEADERS);
      return done();
    }
    if (request.headers["access-control-request-method"] === undefined) {
      sendError(reply, errors.badRequest("A CORS preflight needs Access-Control-Request-Method."));
      return;
    }
    reply
      .code(204)
      .header("access-control-allow-methods", ALLOWED_METHODS)
      .header("access-control-allow-headers", ALLOWED_HEADERS)
      .header("access-control-max-age", PREFLIGHT_MAX_AGE_SECONDS)
      .header("content-length", "0")
      .send();
  });
  // Preflights reach any path; the hook above answers them, this only gives them a route.
  app.options("*", { schema: { hide: true } }, (_request, reply) => sendError(reply, errors.notFound()));
}
