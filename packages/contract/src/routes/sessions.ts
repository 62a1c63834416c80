import { route } from "../route.js";

const tags = ["Consumer authentication"];
const publishable = { api: "consumer", auth: { kind: "publishable" }, tags } as const;
const consumer = { api: "consumer", auth: { kind: "consumer" }, tags } as const;

/** Guest sessions, token refresh, logout and a consumer's own sessions (consumer API). */
export const startGuestSession = route({
  ...publishable,
  method: "POST",
  path: "/auth/guest",
  summary: "Start a guest session",
  responses: { 200: "SessionEnvelope" },
});

export const refreshSession = route({
  ...publishable,
  method: "POST",
  path: "/auth/refresh",
  summary: "Rotate a refresh token for a new access token",
  body: "RefreshBody",
  responses: { 200: "TokenPair" },
  errors: ["invalid_refresh_token"],
});

export const logout = route({
  ...consumer,
  method: "POST",
  path: "/auth/logout",
  summary: "Sign out of this session, or of all of them",
  body: "LogoutBody",
  responses: { 204: "NoContent" },
  revokes: true,
});

export const listConsumerSessions = route({
  ...consumer,
  method: "GET",
  path: "/auth/sessions",
  summary: "The consumer's live sessions",
  responses: { 200: "SessionList" },
});

export const revokeConsumerSession = route({
  ...consumer,
  method: "DELETE",
  path: "/auth/sessions/:id",
  summary: "Revoke one of the consumer's sessions",
  params: "IdParams",
  responses: { 204: "NoContent" },
  errors: ["not_found"],
  revokes: true,
});
