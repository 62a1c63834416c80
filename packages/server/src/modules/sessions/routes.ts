import * as routes from "@fanfare/contract";
import type { FastifyPluginAsync } from "fastify";
import type { Deps } from "../../deps.js";
import { addRoute } from "../../http/contract-routes.js";
import { errors } from "../../http/errors.js";
import { clientOf, enforceLimits } from "../../http/rate-limit.js";
import { authOf, consumerOf } from "../access/index.js";
import { listSessions, refreshSession, revokeConsumerSessions, startGuestSession } from "./service.js";

/** Consumer API: guest sessions, token refresh, logout and a consumer's own sessions. */
export function sessionRoutes(deps: Deps): FastifyPluginAsync {
  return async (app) => {
    addRoute(app, routes.startGuestSession, async (request, reply) => {
      const { tenant } = authOf(request);
      // Generous: shoppers behind one carrier NAT share an address during a drop.
      await enforceLimits(deps.limiter, reply, [
        {
          key: `guest:ip:${tenant.organizationId}:${tenant.mode}:${clientOf(deps, request)}`,
          limit: 120,
          windowMs: 60_000,
        },
      ]);
      return startGuestSession(deps, tenant);
    });

    addRoute(app, routes.refreshSession, async (request) =>
      refreshSession(deps, authOf(request).tenant, request.body.refreshToken),
    );

    addRoute(app, routes.logout, async (request, reply) => {
      const claims = consumerOf(request);
      const everywhere = request.body.scope === "all";
      await revokeConsumerSessions(
        deps,
        authOf(request).tenant,
        { consumerId: claims.consumerId, ...(everywhere ? {} : { sessionId: claims.sessionId }) },
        everywhere ? "logout_all" : "logout",
      );
      return reply.code(204).send(null);
    });

    addRoute(app, routes.listConsumerSessions, async (request) => {
      const claims = consumerOf(request);
      const sessions = await listSessions(deps, authOf(request).tenant, claims.consumerId);
      return {
        data: sessions.map((session) => ({
          id: session.id,
          type: session.type,
          current: session.id === claims.sessionId,
          createdAt: session.createdAt,
          lastRefreshedAt: session.lastRefreshedAt,
          expiresAt: session.expiresAt,
        })),
      };
    });

    addRoute(app, routes.revokeConsumerSession, async (request, reply) => {
      const claims = consumerOf(request);
      const revoked = await revokeConsumerSessions(
        deps,
        authOf(request).tenant,
        { consumerId: claims.consumerId, sessionId: request.params.id },
        "revoked_by_consumer",
      );
      if (revoked.length === 0) throw errors.resourceNotFound("Session");
      return reply.code(204).send(null);
    });
  };
}
