import type { RouteAuth } from "@fanfare/contract";
import type { FastifyInstance, FastifyReply, FastifyRequest } from "fastify";
import type { Deps } from "../deps.js";
import { errors } from "./errors.js";
import { enforcePlanLimit } from "./rate-limit.js";

/** One row per API route: what it requires. Tests walk it to prove every route enforces it. */
export interface RouteAuthEntry {
  method: string;
  url: string;
  auth: RouteAuth;
}

declare module "fastify" {
  interface FastifyContextConfig {
    auth?: RouteAuth;
  }
  interface FastifyInstance {
    routeAuthTable: RouteAuthEntry[];
  }
}

/**
 * Proves who made a request against what its route requires, and sets `request.auth`; throws the
 * refusal. Supplied by the access module: http/ only wires it in.
 */
export type Authenticate = (request: FastifyRequest, auth: RouteAuth) => Promise<void>;

const KEY_IN_QUERY = /[?&](api[_-]?key|secret[_-]?key|publishable[_-]?key|key)=/i;

export function keyInQuery(url: string): boolean {
  return url.includes("?") && KEY_IN_QUERY.test(url);
}

/**
 * Verifies each request against its route's declared `auth`, before the body is read. With
 * `acceptsMembers` (the admin API), a dashboard session cookie may stand in for a secret key.
 */
export function installAuthentication(
  app: FastifyInstance,
  deps: Deps,
  apiPrefix: string,
  acceptsMembers: boolean,
  authenticate: Authenticate,
): void {
  const table: RouteAuthEntry[] = [];
  app.decorate("routeAuthTable", table);
  app.decorateRequest("auth", null);
  app.addHook("onRoute", (route) => {
    if (!route.url.startsWith(apiPrefix)) return;
    const auth = route.config?.auth;
    if (!auth) throw new Error(`Route ${route.method} ${route.url} must declare config.auth`);
    if (auth.kind === "member" && !acceptsMembers) {
      throw new Error(`Route ${route.method} ${route.url} is for dashboard members, which this API does not accept`);
    }
    for (const method of [route.method].flat()) {
      if (method !== "HEAD") table.push({ method, url: route.url, auth });
    }
    if (auth.kind === "none") return;
    // On the route itself, first among its hooks: routes without auth pay nothing per request.
    const authenticateRoute = async (request: FastifyRequest, reply: FastifyReply) => {
      if (keyInQuery(request.url)) throw errors.apiKeyInQuery();
      await authenticate(request, auth);
      await enforcePlanLimit(deps, request, reply);
    };
    route.onRequest = [authenticateRoute, ...(route.onRequest ? [route.onRequest].flat() : [])];
  });
}
