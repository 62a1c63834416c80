import type { ServerOptions } from "node:http";
import { createServer } from "node:https";
import type { FastifyInstance, FastifyServerFactory } from "fastify";
import type { Config } from "../config.js";
import { readTlsCredentials, type TlsFiles } from "../lib/tls-credentials.js";
import { errors } from "./errors.js";

/** A year: browsers then refuse plain HTTP to this host without asking the server again. */
const HSTS = "max-age=31536000";

// A load balancer probes these over plain HTTP, without X-Forwarded-Proto.
const HEALTH_CHECKS = new Set(["/healthz", "/readyz"]);

/** Fastify's server for an API that terminates TLS itself; the certificate is read now. */
export function httpsServerFactory(files: TlsFiles, limits: ServerOptions): FastifyServerFactory {
  const credentials = readTlsCredentials(files);
  return (handler) => createServer({ ...limits, ...credentials }, handler);
}

/**
 * HSTS on every response that arrived over HTTPS (directly, or as a trusted proxy says through
 * X-Forwarded-Proto), and in production a 426 for anything else but the health checks: a key or
 * token sent in clear text must not be answered as if nothing happened.
 */
export function enforceHttps(app: FastifyInstance, config: Config): void {
  if (!config.tls && config.trustedProxies.length === 0) return;
  app.addHook("onRequest", (request, reply, done) => {
    if (request.protocol === "https") reply.header("strict-transport-security", HSTS);
    else if (config.production && !HEALTH_CHECKS.has(request.routeOptions.url ?? "")) {
      return done(errors.httpsRequired());
    }
    done();
  });
}
