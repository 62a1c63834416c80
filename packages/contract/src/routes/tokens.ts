import { route } from "../route.js";

/** The public keys that verify access tokens (consumer API). */
export const getJwks = route({
  api: "consumer",
  auth: { kind: "none" },
  tags: ["Consumer authentication"],
  method: "GET",
  path: "/.well-known/jwks.json",
  summary: "Public keys that verify access tokens (JWKS)",
  responses: { 200: "JsonWebKeySet" },
});
