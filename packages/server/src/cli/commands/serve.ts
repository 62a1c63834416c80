import cluster from "node:cluster";
import { type Command, Option } from "commander";
import { pino } from "pino";
import { type Config, ConfigError, loadConfig } from "../../config.js";
import { createLogger } from "../../deps.js";
import {
  exitOnSignals,
  type RunningServer,
  reloadTlsOnSighup,
  startServer,
  surviveUnhandledRejections,
} from "../../main.js";
import { parseWorkers, type ReadyMessage, superviseWorkers, workerSocketPaths } from "../../workers.js";
import { formatKeys } from "./init.js";

interface ServeOptions {
  devBootstrap?: boolean;
  workers?: string;
  workerSockets?: string;
}

export function registerServe(program: Command): void {
  program
    .command("serve")
    .description("serve the consumer and admin APIs")
    .option("--dev-bootstrap", "on an empty database (outside production), create a development organization")
    .option(
      "--workers <count>",
      "server processes on the same ports: a number, or auto for every core (PostgreSQL and Redis only)",
      "1",
    )
    // Set by the primary of --workers for the workers it starts: where their private sockets go.
    .addOption(new Option("--worker-sockets <directory>").hideHelp())
    .action(async (options: ServeOptions) => {
      const config = loadConfig();
      if (cluster.isWorker) return serveAsWorker(config, options.workerSockets);
      const workers = parseWorkers(options.workers ?? "1");
      if (workers > 1) return superviseAsPrimary(config, workers, options.devBootstrap ?? false);
      const server = await startServer(config, { devBootstrap: options.devBootstrap ?? false });
      exitOnSignals(server);
      reloadTlsOnSighup(server);
      surviveUnhandledRejections(server);
      warnAboutGeneratedSecret(config, server.deps.logger);
      const { dialect, location } = server.deps.db;
      printBanner(server.consumerUrl, server.adminUrl, server.bootstrapped, `${dialect}: ${location}`);
    });
}

/** One of `--workers N`: the primary migrated and bootstrapped already, and hands it connections. */
async function serveAsWorker(config: Config, socketDirectory: string | undefined): Promise<void> {
  const id = cluster.worker?.id;
  if (!socketDirectory || id === undefined) {
    throw new ConfigError("--worker-sockets", "is given by the primary of --workers to the workers it starts");
  }
  let server: RunningServer;
  try {
    server = await startServer(config, { handedOver: workerSocketPaths(socketDirectory, id) });
  } catch (err) {
    // The channel to the primary would keep this process alive after the error is printed.
    cluster.worker?.disconnect();
    throw err;
  }
  exitOnSignals(server);
  reloadTlsOnSighup(server);
  surviveUnhandledRejections(server);
  const ready: ReadyMessage = { type: "fanfare:ready" };
  process.send?.(ready);
}

async function superviseAsPrimary(config: Config, workers: number, devBootstrap: boolean): Promise<void> {
  const logger = createLogger(config, pino.destination(1));
  const supervised = await superviseWorkers(config, workers, { devBootstrap, logger });
  let signalled = false;
  const onSignal = (signal: NodeJS.Signals) => {
    if (signalled) process.exit(1);
    signalled = true;
    logger.info({ signal, workers }, "shutting down: every worker finishes its requests and flushes");
    // Each worker keeps its own deadline; this one only catches a worker that never exits.
    setTimeout(() => process.exit(1), config.shutdownTimeoutMs + 1000).unref();
    void supervised.stop().then((code) => process.exit(code));
  };
  process.on("SIGTERM", onSignal);
  process.on("SIGINT", onSignal);
  process.on("SIGHUP", () => {
    for (const worker of Object.values(cluster.workers ?? {})) worker?.process.kill("SIGHUP");
  });
  warnAboutGeneratedSecret(config, logger);
  const serving = `${supervised.dialect}: ${supervised.location}, ${workers} workers`;
  printBanner(supervised.consumerUrl, supervised.adminUrl, supervised.bootstrapped, serving);
}

function warnAboutGeneratedSecret(config: Config, logger: { warn(message: string): void }): void {
  if (config.secretSource === "generated-file") {
    logger.warn(`FANFARE_SECRET is not set: using a generated development secret from ${config.dataDir}/secret`);
  }
}

function printBanner(
  consumerUrl: string,
  adminUrl: string,
  bootstrapped: RunningServer["bootstrapped"],
  serving: string,
): void {
  const lines = [
    "",
    `Fanfare is running (${serving})`,
    `  consumer API  ${consumerUrl}/api/v1   docs ${consumerUrl}/docs`,
    `  admin API     ${adminUrl}/api/v1   docs ${adminUrl}/docs`,
    `  dashboard     ${adminUrl}/dashboard`,
    "",
  ];
  if (bootstrapped) {
    lines.push(
      "Created a development organization.",
      formatKeys(bootstrapped.organization, bootstrapped.keys),
      `Dashboard: sign in at ${adminUrl}/dashboard as ${bootstrapped.ownerEmail};`,
      "the sign-in code is printed here.",
      "",
    );
  }
  // Printed to the terminal, not the log: keys must never reach log storage.
  process.stdout.write(`${lines.join("\n")}\n`);
}
