import swagger from "@fastify/swagger";
import swaggerUi from "@fastify/swagger-ui";
import type { FastifyInstance } from "fastify";
import { documentOperation } from "./openapi-operations.js";

export interface ApiDescription {
  title: string;
  description: string;
  /** The API's route prefix: the operations under it are documented. */
  prefix: string;
  /** Whether dashboard members' sessions may stand in for secret keys (the admin API). */
  acceptsMembers: boolean;
}

const SecretKey = { type: "http", scheme: "bearer", description: "A secret key: `sk_live_…` or `sk_test_…`." } as const;
const CONSUMER_SCHEMES = {
  SecretKey,
  PublishableKey: { type: "apiKey", in: "header", name: "X-Publishable-Key" },
  ConsumerToken: {
    type: "http",
    scheme: "bearer",
    bearerFormat: "JWT",
    description: "A consumer's access token (an EdDSA JWT with typ at+jwt).",
  },
} as const;
const ADMIN_SCHEMES = {
  SecretKey,
  DashboardSession: {
    type: "apiKey",
    in: "cookie",
    name: "fanfare_dashboard",
    description: "A dashboard member's session; state changes also need the X-CSRF-Token header.",
  },
} as const;

/**
 * OpenAPI 3.1 generated from the route schemas (the single source of truth), served as JSON at
 * /openapi.json and browsable at /docs. Must be registered before the routes it describes.
 */
export async function registerOpenApi(app: FastifyInstance, api: ApiDescription): Promise<void> {
  await app.register(swagger, {
    transform: documentOperation(api.prefix, api.acceptsMembers),
    openapi: {
      openapi: "3.1.0",
      info: { title: api.title, description: api.description, version: "1.0.0" },
      // Relative: the document describes the server that serves it, whatever its address.
      servers: [{ url: "/", description: "This server" }],
      // Only the schemes this API accepts (the dashboard's session on the admin API only).
      components: { securitySchemes: api.acceptsMembers ? ADMIN_SCHEMES : CONSUMER_SCHEMES },
    },
  });
  await app.register(swaggerUi, { routePrefix: "/docs", theme: { title: api.title } });
  app.get("/openapi.json", { schema: { hide: true } }, async () => app.swagger());
}
