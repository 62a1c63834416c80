import { NoContent, SessionEnvelope, SessionView, TokenPair } from "@fanfare/contract";
import type { FastifyPluginAsyncTypebox } from "@fastify/type-provider-typebox";
import { Type } from "typebox";
import type { Deps } from "../../deps.js";
import { errors } from "../../http/errors.js";
import { enforceLimits } from "../../http/rate-limit.js";
import { authOf, consumerOf } from "../access/index.js";
import { listSessions, refreshSession, revokeConsumerSessions, startGuestSession } from "./service.js";

const tags = ["Consumer authentication"];
const publishable = { auth: { kind: "publishable" } } as const;
const consumer = { auth: { kind: "consumer" } } as const;

/** Consumer API: guest sessions, token refresh, logout and a consumer's own sessions. */
export function sessionRoutes(deps: Deps): FastifyPluginAsyncTypebox {
  return async (app) => {
    app.post(
      "/auth/guest",
      {
        config: publishable,
        schema: { summary: "Start a guest session", tags, response: { 200: SessionEnvelope } },
      },
      async (request, reply) => {
        const { tenant } = authOf(request);
        // Generous: shoppers behind one carrier NAT share an address during a drop.
        await enforceLimits(deps.limiter, reply, [
          { key: `guest:ip:${tenant.organizationId}:${tenant.mode}:${request.ip}`, limit: 120, windowMs: 60_000 },
        ]);
        return startGuestSession(deps, tenant);
      },
    );

    app.post(
      "/auth/refresh",
      {
        config: { ...publishable, errors: ["invalid_refresh_token"] as const },
        schema: {
          summary: "Rotate a refresh token for a new access token",
          tags,
          body: Type.Object(
            { refreshToken: Type.String({ minLength: 1, maxLength: 200 }) },
            { additionalProperties: false },
          ),
          response: { 200: TokenPair },
        },
      },
      async (request) => refreshSession(deps, authOf(request).tenant, request.body.refreshToken),
    );

    app.post(
      "/auth/logout",
      {
        config: consumer,
        schema: {
          summary: "Sign out of this session, or of all of them",
          tags,
          response: { 204: NoContent },
          body: Type.Object(
            {
              scope: Type.Optional(Type.Union([Type.Literal("session"), Type.Literal("all")], { default: "session" })),
            },
            { additionalProperties: false },
          ),
        },
      },
      async (request, reply) => {
        const claims = consumerOf(request);
        const everywhere = request.body.scope === "all";
        await revokeConsumerSessions(
          deps,
          authOf(request).tenant,
          { consumerId: claims.consumerId, ...(everywhere ? {} : { sessionId: claims.sessionId }) },
          everywhere ? "logout_all" : "logout",
        );
        return reply.code(204).send(null);
      },
    );

    app.get(
      "/auth/sessions",
      {
        config: consumer,
        schema: {
          summary: "The consumer's live sessions",
          tags,
          response: { 200: Type.Object({ data: Type.Array(SessionView) }) },
        },
      },
      async (request) => {
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
      },
    );

    app.delete(
      "/auth/sessions/:id",
      {
        config: { ...consumer, errors: ["not_found"] as const },
        schema: {
          summary: "Revoke one of the consumer's sessions",
          tags,
          params: Type.Object({ id: Type.String({ maxLength: 64 }) }),
          response: { 204: NoContent },
        },
      },
      async (request, reply) => {
        const claims = consumerOf(request);
        const revoked = await revokeConsumerSessions(
          deps,
          authOf(request).tenant,
          { consumerId: claims.consumerId, sessionId: request.params.id },
          "revoked_by_consumer",
        );
        if (revoked.length === 0) throw errors.resourceNotFound("Session");
        return reply.code(204).send(null);
      },
    );
  };
}
