import cors from "@fastify/cors";
import type { FastifyInstance } from "fastify";

/**
 * Browsers call the consumer API from the merchant's own pages, on another origin. A preflight
 * carries no credentials, so it cannot be judged per organization: it is answered for any
 * origin, and the real request is then checked against the publishable key's allowed origins
 * (403 `origin_not_allowed`). No cookies are involved, so credentials are never allowed.
 */
export async function allowBrowserOrigins(app: FastifyInstance): Promise<void> {
  await app.register(cors, {
    origin: true,
    methods: ["GET", "POST", "PATCH", "PUT", "DELETE"],
    allowedHeaders: ["authorization", "content-type", "x-publishable-key", "x-fingerprint", "x-request-id"],
    exposedHeaders: [
      "x-request-id",
      "x-ratelimit-limit",
      "x-ratelimit-remaining",
      "x-ratelimit-reset",
      "retry-after",
      "x-fingerprint-error",
      "x-fingerprint-mismatch",
    ],
    maxAge: 600,
    credentials: false,
  });
}
