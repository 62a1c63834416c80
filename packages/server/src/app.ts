import { hash } from "node:crypto";
import type { IncomingMessage } from "node:http";
import type { Socket } from "node:net";
import { Server as TlsServer } from "node:tls";
import Fastify, {
  type FastifyBaseLogger,
  type FastifyInstance,
  type FastifyPluginAsync,
  type FastifyRequest,
} from "fastify";
import type { Deps } from "./deps.js";
import { installAuthentication } from "./http/auth.js";
import { servesOnly } from "./http/contract-routes.js";
import { allowBrowserOrigins } from "./http/cors.js";
import { serveDashboard } from "./http/dashboard-static.js";
import { errors, installErrorHandling } from "./http/errors.js";
import { enforceHttps, httpsServerFactory } from "./http/https.js";
import { lazyChildLogger } from "./http/lazy-logger.js";
import { type ApiDescription, registerOpenApi } from "./http/openapi.js";
import { installRequestContext } from "./http/request-context.js";
import { requestIdFor } from "./http/request-id.js";
import { RequestLogController } from "./http/request-log.js";
import { answerClientError, dropUnreceivedRequestsOnClose, requestReceiveLimits } from "./http/slow-clients.js";
import { requireParamsSchemas, validatorCompiler } from "./http/validation.js";
import { digestsEqual } from "./lib/secrets.js";
import type { ApiName } from "./metrics.js";
import { authenticate } from "./modules/access/index.js";
import { alertRoutes } from "./modules/alerts/routes.js";
import { auditRoutes } from "./modules/audit/routes.js";
import { consumerAdminRoutes, consumerSelfRoutes } from "./modules/consumers/routes.js";
import { experienceAdminRoutes, experienceConsumerRoutes } from "./modules/experiences/routes.js";
import { externalAuthRoutes } from "./modules/external/routes.js";
import { apiKeyRoutes } from "./modules/keys/routes.js";
import { memberRoutes } from "./modules/members/routes.js";
import { organizationAdminRoutes, organizationConsumerRoutes } from "./modules/orgs/routes.js";
import { otpRoutes, testOutboxRoutes } from "./modules/otp/routes.js";
import { queueEntryRoutes } from "./modules/queue-entries/routes.js";
import { recordEnterActivity } from "./modules/queue-live/enter-activity.js";
import { queueLiveRoutes } from "./modules/queue-live/routes.js";
import { queueAdminRoutes, queueConsumerRoutes } from "./modules/queues/routes.js";
import { sessionRoutes } from "./modules/sessions/routes.js";
import { jwksRoutes, registerRootJwks } from "./modules/tokens/routes.js";
import { usageRoutes } from "./modules/usage/routes.js";
import { webhookRoutes } from "./modules/webhooks/routes.js";

export const API_PREFIX = "/api/v1";

// `/api/…` and `/v1/…` are aliases of `/api/v1/…` (the seeds use all three, seed 002's examples
// `https://api.fanfare.io/v1/…`); rewriting keeps one route table.
const UNVERSIONED = /^\/api(?=[/?]|$)(?!\/v1(?=[/?]|$))/;
const VERSION_ONLY = /^\/v1(?=[/?]|$)/;
function aliasPrefixes(request: IncomingMessage): string {
  const url = request.url ?? "/";
  if (UNVERSIONED.test(url)) return `${API_PREFIX}${url.slice("/api".length)}`;
  if (VERSION_ONLY.test(url)) return `${API_PREFIX}${url.slice("/v1".length)}`;
  return url;
}

function registerHealth(app: FastifyInstance, deps: Deps): void {
  const hide = { schema: { hide: true } };
  app.get("/healthz", hide, async () => ({ status: "ok" }));
  app.get("/readyz", hide, async (_request, reply) => {
    const database = (await deps.db.ping()) ? "ok" : "unavailable";
    // A full disk still answers reads, so the database pings fine while every write that needs room fails.
    const writable = await deps.db.storageAvailable();
    const storage = writable === undefined ? {} : { storage: writable ? "ok" : "unavailable" };
    await deps.limiter.probe();
    const rateLimiter = deps.limiter.degraded ? "degraded" : "ok";
    // Degraded but open still serves (with per-process limits); degraded and closed refuses.
    const ready =
      database === "ok" && writable !== false && (rateLimiter === "ok" || deps.config.rateLimitFailureMode === "open");
    // Failing code delivery is reported, never a reason to take the server out of rotation.
    const checks = { database, ...storage, rateLimiter, codeDelivery: deps.codes.health };
    return reply.code(ready ? 200 : 503).send({ status: ready ? "ready" : "not_ready", checks });
  });
}

const tokenDigest = (token: string) => hash("sha256", token, "buffer");

/** Prometheus' scrape target (admin port only), behind FANFARE_METRICS_TOKEN when it is set. */
function registerMetrics(app: FastifyInstance, deps: Deps): void {
  const { metricsToken } = deps.config;
  // Digests compared in constant time: neither timing nor length tells how close a guess came.
  const expected = metricsToken === undefined ? undefined : tokenDigest(metricsToken);
  const { registry } = deps.metrics;
  app.get("/metrics", { schema: { hide: true } }, async (request, reply) => {
    if (expected) {
      const presented = /^Bearer\s+(\S+)\s*$/i.exec(request.headers.authorization ?? "")?.[1] ?? "";
      if (!digestsEqual(tokenDigest(presented), expected)) throw errors.authenticationRequired();
    }
    return reply.type(registry.contentType).send(await registry.metrics());
  });
}

/**
 * Every response counts in the request metrics, under its route's pattern (`unmatched` for a 404
 * without a route: never the URL); refusals by a rate limit count under the limit's name too.
 * The error handler marks a refusal by a rate limit on the request (`identity.rateLimitedBy`),
 * so refused requests run no `onError` hook of their own.
 */
function countRequests(app: FastifyInstance, deps: Deps, api: ApiName): void {
  const responses = deps.metrics.responsesOf(api);
  app.addHook("onResponse", (request, reply, done) => {
    const route = request.routeOptions.url ?? "unmatched";
    responses.record(route, request.method, reply.statusCode, reply.elapsedTime / 1000);
    const limit = request.identity?.rateLimitedBy;
    if (limit !== undefined) deps.metrics.rateLimited.inc({ api, limit });
    done();
  });
}

/**
 * A connection opened but never used (a browser's preconnect, a client's spare socket) would hold
 * a closing server until Node's headers timeout: it counts as neither busy nor idle. Such
 * connections go when the app closes; those with a request keep their graceful end.
 */
function dropUnusedConnectionsOnClose(app: FastifyInstance): void {
  const unused = new Set<Socket>();
  // Behind TLS, requests arrive on the TLS socket, announced by `secureConnection`.
  const opened = app.server instanceof TlsServer ? "secureConnection" : "connection";
  app.server.on(opened, (socket: Socket) => {
    unused.add(socket);
    socket.once("close", () => unused.delete(socket));
  });
  app.server.on("request", (request: IncomingMessage) => unused.delete(request.socket));
  app.addHook("preClose", (done) => {
    for (const socket of unused) socket.destroy();
    done();
  });
}

// A POST whose body fields are all optional may be sent without a body: validate it as `{}`.
// Added per route, and only where a body schema exists, so other requests skip the hook.
function defaultEmptyBody(app: FastifyInstance): void {
  const emptyBodyIsEmptyObject = async (request: FastifyRequest) => {
    if (request.body === undefined) request.body = {};
  };
  app.addHook("onRoute", (route) => {
    if (!route.schema?.body) return;
    const existing = route.preValidation ? [route.preValidation].flat() : [];
    route.preValidation = [emptyBodyIsEmptyObject, ...existing];
  });
}

/** Every response to a request made with a key counts in that key's usage statistics. */
function countUsage(app: FastifyInstance, deps: Deps): void {
  app.addHook("onResponse", (request, reply, done) => {
    const { keyId, organizationId, mode, rateLimitedBy } = request.identity;
    if (keyId && organizationId && mode) {
      const status = reply.statusCode;
      const outcome =
        rateLimitedBy !== undefined
          ? "rate_limited"
          : status < 400
            ? "success"
            : status < 500
              ? "client_error"
              : "server_error";
      deps.usage.record({ keyId, organizationId, mode }, outcome);
    }
    done();
  });
}

async function buildApp(
  deps: Deps,
  api: Pick<ApiDescription, "title" | "description">,
  routes: FastifyPluginAsync[],
  options: {
    api: "consumer" | "admin";
    browsers: boolean;
    members: boolean;
    rootRoutes?: (app: FastifyInstance) => void | Promise<void>;
  },
): Promise<FastifyInstance> {
  const { config } = deps;
  const app = Fastify({
    loggerInstance: deps.logger as FastifyBaseLogger,
    logController: new RequestLogController(),
    childLoggerFactory: lazyChildLogger,
    genReqId: requestIdFor,
    requestIdHeader: false,
    bodyLimit: config.bodyLimitBytes,
    trustProxy: config.trustedProxies.length > 0 ? [...config.trustedProxies] : false,
    rewriteUrl: aliasPrefixes,
    return503OnClosing: true,
    requestTimeout: config.requestTimeoutMs,
    http: requestReceiveLimits(config.requestTimeoutMs),
    clientErrorHandler: answerClientError,
    ...(config.tls
      ? { serverFactory: httpsServerFactory(config.tls, requestReceiveLimits(config.requestTimeoutMs)) }
      : {}),
  });
  // Bodies are JSON only: Fastify's built-in text/plain parser would hand a string to the routes.
  app.removeContentTypeParser("text/plain");
  app.setValidatorCompiler(validatorCompiler);
  requireParamsSchemas(app);
  servesOnly(app, options.api, API_PREFIX);
  installErrorHandling(app, config.bodyLimitBytes);
  installRequestContext(app);
  // Before authentication, so refusals reach the page's script too.
  if (options.browsers) allowBrowserOrigins(app);
  // Before authentication: nothing reads a key or token that arrived in clear text.
  enforceHttps(app, config);
  dropUnusedConnectionsOnClose(app);
  dropUnreceivedRequestsOnClose(app, config.requestTimeoutMs);
  countUsage(app, deps);
  countRequests(app, deps, options.api);
  defaultEmptyBody(app);
  installAuthentication(app, deps, API_PREFIX, options.members, (request, auth) =>
    authenticate(deps, request, auth, options.members),
  );
  await registerOpenApi(app, { ...api, prefix: API_PREFIX, acceptsMembers: options.members });
  registerHealth(app, deps);
  if (options.api === "admin") registerMetrics(app, deps);
  await options.rootRoutes?.(app);
  for (const plugin of routes) await app.register(plugin, { prefix: API_PREFIX });
  return app;
}

/** The consumer API (browsers, apps, and merchant servers acting for consumers). Never listens. */
export function buildConsumerApp(deps: Deps): Promise<FastifyInstance> {
  return buildApp(
    deps,
    {
      title: "Fanfare consumer API",
      description:
        "Consumer sessions, experiences and queues for browsers, apps and merchant servers. Browsers and apps " +
        "authenticate with a publishable key (`X-Publishable-Key`) and a consumer's access token; merchant " +
        "servers with a secret key. The admin API (keys, webhooks, usage, the dashboard) is documented at " +
        "`/docs` on the admin port (4001 by default).",
    },
    [
      organizationConsumerRoutes(deps),
      experienceConsumerRoutes(deps),
      queueConsumerRoutes(deps),
      queueEntryRoutes(deps),
      consumerSelfRoutes(deps),
      sessionRoutes(deps),
      otpRoutes(deps),
      externalAuthRoutes(deps),
      jwksRoutes(deps),
    ],
    {
      api: "consumer",
      browsers: true,
      members: false,
      rootRoutes: (app) => {
        recordEnterActivity(app, deps);
        return registerRootJwks(app, deps);
      },
    },
  );
}

/** The admin API (merchant servers with secret keys, and the dashboard). Never listens. */
export function buildAdminApp(deps: Deps): Promise<FastifyInstance> {
  return buildApp(
    deps,
    {
      title: "Fanfare admin API",
      description:
        "Manage API keys, experiences, queues, consumers, webhooks, alerts and the team. Merchant servers " +
        "authenticate with a secret key (`Authorization: Bearer sk_…`), the dashboard with a member's session " +
        "cookie and `X-CSRF-Token`. The consumer API (browsers and apps) is documented at `/docs` on the " +
        "consumer port (4000 by default).",
    },
    [
      apiKeyRoutes(deps),
      auditRoutes(deps),
      organizationAdminRoutes(deps),
      experienceAdminRoutes(deps),
      queueAdminRoutes(deps),
      queueLiveRoutes(deps),
      consumerAdminRoutes(deps),
      usageRoutes(deps),
      alertRoutes(deps),
      webhookRoutes(deps),
      memberRoutes(deps),
      testOutboxRoutes(deps),
    ],
    {
      api: "admin",
      browsers: false,
      members: true,
      rootRoutes: (app) => serveDashboard(app, deps.config.dashboardDir),
    },
  );
}
