import cluster, { type Worker } from "node:cluster";
import { availableParallelism } from "node:os";
import type { Logger } from "pino";
import { type Config, ConfigError } from "./config.js";
import { createDeps, prepareDatabase } from "./deps.js";
import { bootstrapDevelopment, type RunningServer } from "./main.js";

/** What a worker tells the primary once both its APIs listen. */
export interface ListeningMessage {
  type: "fanfare:listening";
  consumerUrl: string;
  adminUrl: string;
}

/** `--workers`: a positive whole number, or `auto` for the cores this process may use. */
export function parseWorkers(value: string): number {
  if (value === "auto") return availableParallelism();
  if (!/^\d+$/.test(value) || Number(value) < 1) {
    throw new ConfigError("--workers", `must be a positive whole number or auto (got "${value}")`);
  }
  return Number(value);
}

/**
 * Several workers are several processes: they need a database they can share and rate limits
 * they count together. SQLite is one embedded file written by one process, and without Redis
 * each worker would keep its own counts (a limit of 100 would let N × 100 through).
 */
export function refuseWorkersWithout(config: Config, workers: number): void {
  if (workers <= 1) return;
  if (!config.databaseUrl) {
    throw new ConfigError(
      "--workers",
      `${workers} needs PostgreSQL: set FANFARE_DATABASE_URL (and FANFARE_REDIS_URL). SQLite is served by one process; run one worker on it`,
    );
  }
  if (!config.redisUrl) {
    throw new ConfigError(
      "--workers",
      `${workers} needs FANFARE_REDIS_URL, so that the workers count rate limits together`,
    );
  }
}

export interface Supervised {
  dialect: string;
  /** Where the data lives (never with a password). */
  location: string;
  consumerUrl: string;
  adminUrl: string;
  bootstrapped: RunningServer["bootstrapped"];
  /** Stops every worker (each drains its requests and flushes), then resolves with the exit code. */
  stop(): Promise<number>;
}

/**
 * The primary of `serve --workers N`: migrates and bootstraps once, then runs N workers that
 * listen on the same ports (the cluster module hands connections out round-robin). A worker
 * that dies is replaced; on shutdown each one finishes its requests and flushes its buffers.
 */
export async function superviseWorkers(
  config: Config,
  count: number,
  options: { devBootstrap: boolean; logger: Logger },
): Promise<Supervised> {
  refuseWorkersWithout(config, count);
  const deps = createDeps(config);
  let bootstrapped: RunningServer["bootstrapped"];
  try {
    await prepareDatabase(deps);
    bootstrapped = options.devBootstrap ? await bootstrapDevelopment(deps) : undefined;
  } finally {
    await deps.close();
  }

  let stopping = false;
  let started = false;
  const listening = new Map<number, ListeningMessage>();
  const failedToStart: string[] = [];
  const fork = (): Worker => {
    const worker = cluster.fork();
    worker.on("message", (message: ListeningMessage) => {
      if (message?.type === "fanfare:listening") listening.set(worker.id, message);
    });
    worker.on("exit", (code, signal) => {
      listening.delete(worker.id);
      if (stopping) return;
      // One that cannot start (a port taken, the database unreachable) would fail again: give up.
      if (!started) {
        failedToStart.push(`worker ${worker.id} exited with ${signal ?? `code ${code}`} before listening`);
        return;
      }
      options.logger.error({ worker: worker.id, code, signal }, "worker exited: starting another");
      fork();
    });
    return worker;
  };
  const stop = async (): Promise<number> => {
    stopping = true;
    const running = Object.values(cluster.workers ?? {}).filter((worker): worker is Worker => !!worker);
    const codes = await Promise.all(
      running.map(
        (worker) =>
          new Promise<number>((resolve) => {
            worker.once("exit", (code) => resolve(code ?? 1));
            worker.process.kill("SIGTERM");
          }),
      ),
    );
    return codes.every((code) => code === 0) ? 0 : 1;
  };
  for (let i = 0; i < count; i++) fork();
  while (listening.size < count && failedToStart.length === 0) {
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  const [first] = listening.values();
  if (failedToStart.length > 0 || !first) {
    await stop();
    // The worker's own error (a port taken, the database unreachable) is on stderr above this.
    throw new ConfigError("--workers", `${count}: ${failedToStart.join("; ")}`);
  }
  started = true;
  return {
    dialect: deps.db.dialect,
    location: deps.db.location,
    consumerUrl: first.consumerUrl,
    adminUrl: first.adminUrl,
    bootstrapped,
    stop,
  };
}
