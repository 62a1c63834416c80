import type { FastifyInstance } from "fastify";
import type { Mode } from "../db/schema.js";

/** Who a request turned out to be, filled in by authentication and read by logging and usage. */
export interface RequestIdentity {
  organizationId?: string;
  keyId?: string;
  mode?: Mode;
}

declare module "fastify" {
  interface FastifyRequest {
    identity: RequestIdentity;
  }
}

/** Gives each request an empty identity and echoes its id (one hook: hooks cost per request). */
export function installRequestContext(app: FastifyInstance): void {
  app.decorateRequest("identity", null as unknown as RequestIdentity);
  app.addHook("onRequest", async (request, reply) => {
    request.identity = {};
    reply.header("x-request-id", request.id);
  });
}
