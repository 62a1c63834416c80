import type { FastifyInstance } from "fastify";
import type { Mode } from "../db/schema.js";

/** Who a request turned out to be, filled in by authentication and read by logging and usage. */
export interface RequestIdentity {
  organizationId?: string;
  keyId?: string;
  mode?: Mode;
  /** The limit that refused the request, if one did: usage counts it apart from other client errors, metrics by name. */
  rateLimitedBy?: string;
}

declare module "fastify" {
  interface FastifyRequest {
    identity: RequestIdentity;
  }
}

/**
 * Gives each request an empty identity and echoes its id. One hook, and a callback rather than
 * an async function: it runs on every request, and a promise per hook is measurable.
 */
export function installRequestContext(app: FastifyInstance): void {
  app.decorateRequest("identity", null as unknown as RequestIdentity);
  app.addHook("onRequest", (request, reply, done) => {
    request.identity = {};
    reply.header("x-request-id", request.id);
    done();
  });
}
