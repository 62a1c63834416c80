import cluster, { type Worker } from "node:cluster";
import { mkdtempSync, rmSync } from "node:fs";
import { availableParallelism, tmpdir } from "node:os";
import { join } from "node:path";
import type { Logger } from "pino";
import { type Config, ConfigError } from "./config.js";
import { ConnectionDealer } from "./connection-dealer.js";
import { createDeps, prepareDatabase } from "./deps.js";
import { OutageLog } from "./lib/outage-log.js";
import { bootstrapDevelopment, type RunningServer, urlOf } from "./main.js";

/** What a worker tells the primary once it can serve the connections handed to it. */
export interface ReadyMessage {
  type: "fanfare:ready";
}

/** The private sockets worker `id` listens on, in the directory the primary made for them. */
export function workerSocketPaths(directory: string, id: number): { consumerPath: string; adminPath: string } {
  return { consumerPath: join(directory, `${id}-consumer.sock`), adminPath: join(directory, `${id}-admin.sock`) };
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

/** A replacement worker starts after this long, doubling while replacements fail, up to the cap. */
const RESTART_FIRST_MS = 1000;
const RESTART_MAX_MS = 30_000;

interface Slot {
  ready: boolean;
  restartMs: number;
}

/**
 * The primary of `serve --workers N`: migrates and bootstraps once, listens on both ports itself
 * and runs N workers, dealing each connection to a live one (`ConnectionDealer`). A worker that
 * dies is replaced, with backoff (1 s, doubling to 30 s) while replacements fail, and the outage
 * is logged once; on shutdown each worker finishes its requests and flushes its buffers. Workers
 * that fail before all have started would fail again: the start gives up instead.
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

  const dealer = new ConnectionDealer();
  let consumerUrl: string;
  let adminUrl: string;
  try {
    consumerUrl = urlOf(await dealer.listen("consumer", config.host, config.consumerPort), config);
    adminUrl = urlOf(await dealer.listen("admin", config.host, config.adminPort), config);
  } catch (err) {
    dealer.close();
    throw err;
  }
  const socketDirectory = mkdtempSync(join(tmpdir(), "fanfare-workers-"));
  const removeSocketDirectory = () => rmSync(socketDirectory, { recursive: true, force: true });
  // Also when the primary itself fails: only a kill -9 leaves the directory behind.
  process.once("exit", removeSocketDirectory);
  cluster.setupPrimary({ args: [...process.argv.slice(2), "--worker-sockets", socketDirectory] });

  const outage = new OutageLog(options.logger, "workers");
  const slots: Slot[] = Array.from({ length: count }, () => ({ ready: false, restartMs: RESTART_FIRST_MS }));
  const restarts = new Set<NodeJS.Timeout>();
  let stopping = false;
  let started = false;
  let settleStart: (failure: string | undefined) => void = () => {};
  const startSettled = new Promise<string | undefined>((resolve) => {
    settleStart = resolve;
  });

  const fork = (slot: Slot): void => {
    const worker = cluster.fork();
    worker.on("message", (message: ReadyMessage) => {
      if (message?.type !== "fanfare:ready") return;
      slot.ready = true;
      slot.restartMs = RESTART_FIRST_MS;
      dealer.add(worker);
      if (!slots.every((each) => each.ready)) return;
      if (started) outage.succeeded();
      else settleStart(undefined);
    });
    worker.on("exit", (code, signal) => {
      slot.ready = false;
      dealer.remove(worker);
      // A worker killed outright leaves its sockets behind.
      const { consumerPath, adminPath } = workerSocketPaths(socketDirectory, worker.id);
      for (const path of [consumerPath, adminPath]) rmSync(path, { force: true });
      if (stopping) return;
      const exited = `worker ${worker.id} exited with ${signal ?? `code ${code}`}`;
      // One that cannot start (the database unreachable, a bad setting) would fail again: give up.
      if (!started) return settleStart(`${exited} before listening`);
      outage.failed(new Error(exited));
      const restart = setTimeout(() => {
        restarts.delete(restart);
        fork(slot);
      }, slot.restartMs);
      restarts.add(restart);
      slot.restartMs = Math.min(slot.restartMs * 2, RESTART_MAX_MS);
    });
  };
  const stop = async (): Promise<number> => {
    stopping = true;
    for (const restart of restarts) clearTimeout(restart);
    dealer.close();
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
    removeSocketDirectory();
    return codes.every((code) => code === 0) ? 0 : 1;
  };
  for (const slot of slots) fork(slot);
  const failure = await startSettled;
  if (failure) {
    await stop();
    // The worker's own error (the database unreachable, a bad setting) is on stderr above this.
    throw new ConfigError("--workers", `${count}: ${failure}`);
  }
  started = true;
  return { dialect: deps.db.dialect, location: deps.db.location, consumerUrl, adminUrl, bootstrapped, stop };
}
