import type { AddressInfo } from "node:net";
import type { Server as TlsServer } from "node:tls";
import type { FastifyInstance } from "fastify";
import { buildAdminApp, buildConsumerApp } from "./app.js";
import { type Config, ConfigError } from "./config.js";
import { serveHandedConnections } from "./connection-dealer.js";
import { createDeps, type Deps, type DepsOverrides, prepareDatabase } from "./deps.js";
import { PeriodicTask } from "./lib/periodic-task.js";
import { certificateFingerprint, readTlsCredentials } from "./lib/tls-credentials.js";
import { evaluateAlerts } from "./modules/alerts/service.js";
import { CLI_ACTOR } from "./modules/audit/service.js";
import { addOwner } from "./modules/members/service.js";
import { type BootstrapKeys, createOrganization } from "./modules/orgs/service.js";
import { countOrganizations, type Organization } from "./modules/orgs/store.js";

export interface StartOptions {
  /** On an empty database outside production, create a development organization. */
  devBootstrap?: boolean;
  overrides?: DepsOverrides;
  /**
   * `serve --workers`: the primary owns the ports and hands connections over. The apps listen
   * only on these private UNIX sockets, since Node's HTTP server enforces request timeouts and
   * closes idle connections only once it listens.
   */
  handedOver?: { consumerPath: string; adminPath: string };
}

export interface RunningServer {
  readonly deps: Deps;
  readonly consumer: FastifyInstance;
  readonly admin: FastifyInstance;
  readonly consumerUrl: string;
  readonly adminUrl: string;
  /** Set when this start created the development organization (its keys are shown once) and its owner. */
  readonly bootstrapped?: { organization: Organization; keys: BootstrapKeys; ownerEmail: string };
  /** Stops accepting, finishes in-flight requests, flushes buffers, closes the database. */
  shutdown(): Promise<void>;
}

/** Where a listening server is reached: `unix:` and its path for a private socket. */
export function urlOf(address: AddressInfo | string | null, config: Config): string {
  if (typeof address === "string") return `unix:${address}`;
  if (!address) throw new Error("the server is not listening");
  const host = address.family === "IPv6" ? `[${address.address}]` : address.address;
  return `${config.tls ? "https" : "http"}://${host}:${address.port}`;
}

/** Production speaks HTTPS: itself, or through a proxy it trusts to say so (X-Forwarded-Proto). */
function requireHttpsInProduction(config: Config): void {
  if (!config.production || config.tls || config.trustedProxies.length > 0) return;
  throw new ConfigError(
    "FANFARE_TLS_CERT_FILE",
    "and FANFARE_TLS_KEY_FILE are required when NODE_ENV=production, unless FANFARE_TRUSTED_PROXIES " +
      "names the proxy that terminates HTTPS",
  );
}

/** In production, metrics (every live queue's id and counts) answer only the scraper holding the token. */
function requireMetricsTokenInProduction(config: Config): void {
  if (!config.production || config.metricsToken) return;
  throw new ConfigError(
    "FANFARE_METRICS_TOKEN",
    "is required when NODE_ENV=production: GET /metrics on the admin port lists every live queue and " +
      "answers anyone who reaches that port without it",
  );
}

/** The development organization's dashboard owner; codes for it are printed on the terminal. */
export const DEV_OWNER_EMAIL = "dev@fanfare.local";

export async function bootstrapDevelopment(deps: Deps): Promise<RunningServer["bootstrapped"]> {
  if (deps.config.production || (await countOrganizations(deps.db)) > 0) return undefined;
  const created = await createOrganization(deps, { name: "Development", plan: "pro" });
  const owner = await addOwner(deps, created.organization.id, DEV_OWNER_EMAIL, CLI_ACTOR);
  return { ...created, ownerEmail: owner.email };
}

const ALERT_EVALUATION_MS = 60_000;
const REVOCATION_CATCH_UP_MS = 1000;

/** Webhook sending, alert evaluation and revocation catch-up, stopped at shutdown. */
function startBackgroundJobs(deps: Deps, revocations: PeriodicTask): void {
  deps.webhooks.start();
  const alerts = new PeriodicTask(
    "alert evaluation",
    async () => {
      await deps.usage.flush();
      await evaluateAlerts(deps);
    },
    { everyMs: ALERT_EVALUATION_MS, logger: deps.logger },
  );
  alerts.start();
  revocations.start();
  deps.onShutdown(async () => {
    await alerts.stop();
    await revocations.stop();
  });
}

/** Until every revocation still in reach is known, tokens signed elsewhere are checked in the database. */
function revocationCatchUp(deps: Deps): PeriodicTask {
  return new PeriodicTask(
    "revocation catch-up",
    () => deps.accessTokens.revocations.learn((sinceMs) => deps.sessionLiveness.revokedSince(sinceMs)),
    { everyMs: REVOCATION_CATCH_UP_MS, logger: deps.logger },
  );
}

/** config → deps → migrations → both apps → listen. The only place that listens. */
export async function startServer(config: Config, options: StartOptions = {}): Promise<RunningServer> {
  requireHttpsInProduction(config);
  requireMetricsTokenInProduction(config);
  const deps = createDeps(config, options.overrides);
  try {
    const applied = await prepareDatabase(deps);
    if (applied.length > 0) deps.logger.info({ applied, database: deps.db.dialect }, "migrations applied");
    const bootstrapped = options.devBootstrap ? await bootstrapDevelopment(deps) : undefined;
    const consumer = await buildConsumerApp(deps);
    const admin = await buildAdminApp(deps);
    const revocations = revocationCatchUp(deps);
    // From the first request on, a token another process signed costs no database round trip.
    await revocations.runNow();
    const { handedOver } = options;
    const handed = handedOver && serveHandedConnections({ consumer: consumer.server, admin: admin.server });
    // Exclusive: in a cluster worker, a shared listen would make the primary own the socket.
    await consumer.listen(
      handedOver
        ? { path: handedOver.consumerPath, exclusive: true }
        : { host: config.host, port: config.consumerPort },
    );
    await admin.listen(
      handedOver ? { path: handedOver.adminPath, exclusive: true } : { host: config.host, port: config.adminPort },
    );
    startBackgroundJobs(deps, revocations);
    let stopping: Promise<void> | undefined;
    const shutdown = () => {
      stopping ??= (async () => {
        await Promise.all([consumer.close(), admin.close()]);
        await handed?.drain();
        await deps.close();
      })();
      return stopping;
    };
    return {
      deps,
      consumer,
      admin,
      consumerUrl: urlOf(consumer.server.address(), config),
      adminUrl: urlOf(admin.server.address(), config),
      ...(bootstrapped ? { bootstrapped } : {}),
      shutdown,
    };
  } catch (err) {
    await deps.close();
    throw err;
  }
}

/**
 * A rejection nobody handled would end the process (Node's default): during a database outage
 * that turned one failed background query into a dead server. It is logged and counted instead;
 * every known background task handles its own errors, so this is the net under a missed one.
 */
export function surviveUnhandledRejections(server: RunningServer): void {
  const { logger, metrics } = server.deps;
  process.on("unhandledRejection", (reason) => {
    metrics.unhandledRejections.inc();
    logger.error({ err: reason }, "unhandled promise rejection (the process keeps serving)");
  });
}

/** The share of the shutdown deadline left for queued log lines to reach a slow reader. */
const LOG_DRAIN_MS = 1000;

/**
 * SIGTERM/SIGINT: graceful shutdown, then exit 0; a second signal or the deadline
 * (FANFARE_SHUTDOWN_TIMEOUT_MS) forces exit 1. Logging never waits for stdout's reader, so
 * neither can be held up by it, and nothing flushes the log synchronously on the way out.
 */
export function exitOnSignals(server: RunningServer): void {
  const { logger, config } = server.deps;
  let signalled = false;
  const onSignal = (signal: NodeJS.Signals) => {
    if (signalled) {
      logger.warn({ signal }, "second signal: exiting without finishing shutdown");
      process.exit(1);
    }
    signalled = true;
    logger.info({ signal }, "shutting down: finishing in-flight requests and flushing buffers");
    const deadline = setTimeout(() => {
      logger.error("shutdown deadline passed: exiting");
      process.exit(1);
    }, config.shutdownTimeoutMs);
    deadline.unref();
    server.shutdown().then(
      async () => {
        logger.info("shutdown complete");
        await server.deps.logDrained(Math.min(LOG_DRAIN_MS, config.shutdownTimeoutMs));
        process.exit(0);
      },
      (err: unknown) => {
        logger.error({ err }, "shutdown failed");
        process.exit(1);
      },
    );
  };
  process.on("SIGTERM", onSignal);
  process.on("SIGINT", onSignal);
}

/**
 * SIGHUP: both APIs switch to the certificate and key now in the configured files (for renewals
 * without a restart). A file that is not a usable pair is logged, and the current one stays.
 */
export function reloadTlsOnSighup(server: RunningServer): void {
  const { logger, config } = server.deps;
  const files = config.tls;
  if (!files) return;
  process.on("SIGHUP", () => {
    try {
      const credentials = readTlsCredentials(files);
      for (const app of [server.consumer, server.admin]) {
        (app.server as unknown as TlsServer).setSecureContext(credentials);
      }
      logger.info({ fingerprint: certificateFingerprint(credentials) }, "TLS certificate reloaded");
    } catch (err) {
      logger.error({ err }, "TLS certificate reload failed: still serving the previous certificate");
    }
  });
}
