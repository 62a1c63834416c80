/**
 * What `npm run bench` and `npm run surge` share: a real Fanfare server (built JS, a child
 * process) on a fresh database with one enterprise organization, and small helpers for load.
 */
import { type ChildProcess, spawn, spawnSync } from "node:child_process";
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type autocannon from "autocannon";
import pg from "pg";

export const ROOT = new URL("..", import.meta.url).pathname;
export const POSTGRES_URL = process.env.FANFARE_TEST_DATABASE_URL ?? "postgres://postgres@127.0.0.1:5432/test";
const REDIS_URL = process.env.FANFARE_TEST_REDIS_URL ?? "redis://127.0.0.1:6379";

export interface Running {
  child: ChildProcess;
  output(): string;
}

/** Starts a child process and resolves once its output matches `ready`. */
export function start(args: string[], env: NodeJS.ProcessEnv, ready: RegExp): Promise<Running> {
  const child = spawn(process.execPath, args, { cwd: ROOT, env, stdio: ["ignore", "pipe", "pipe"] });
  let out = "";
  child.stdout?.on("data", (chunk: Buffer) => {
    out += chunk.toString();
  });
  child.stderr?.on("data", (chunk: Buffer) => {
    out += chunk.toString();
  });
  return new Promise((resolve, reject) => {
    const timer = setInterval(() => {
      if (ready.test(out)) {
        clearInterval(timer);
        resolve({ child, output: () => out });
      } else if (child.exitCode !== null) {
        clearInterval(timer);
        reject(new Error(`exited early:\n${out}`));
      }
    }, 50);
  });
}

/** Clock ticks per second of the times in /proc/<pid>/stat (USER_HZ: 100 on Linux). */
const TICKS_PER_SECOND = Number(spawnSync("getconf", ["CLK_TCK"], { encoding: "utf8" }).stdout) || 100;

/**
 * CPU time (user + system) the processes have used so far, in seconds. /proc/<pid>/stat sums every
 * thread of the process, the GC helpers and libuv's pool included, not only the main thread.
 */
export function cpuSecondsOf(pids: (number | undefined)[]): number {
  let ticks = 0;
  for (const pid of pids) {
    const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
    // Fields after the command name, which is in parentheses and may itself hold spaces: utime is
    // field 14 and stime field 15 of the line, so 11 and 12 after the state (field 3).
    const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
    ticks += Number(fields[11]) + Number(fields[12]);
  }
  return ticks / TICKS_PER_SECOND;
}

/** The processes and every child they started (the workers of `serve --workers N`). */
export function withChildren(pids: (number | undefined)[]): number[] {
  const all: number[] = [];
  for (const pid of pids) {
    if (pid === undefined) continue;
    all.push(pid);
    for (const task of readdirSync(`/proc/${pid}/task`)) {
      const children = readFileSync(`/proc/${pid}/task/${task}/children`, "utf8").trim();
      if (children) all.push(...withChildren(children.split(" ").map(Number)));
    }
  }
  return all;
}

/**
 * CPU time (user + system) that the PostgreSQL backends serving this run's server connections have
 * used so far, in seconds: the backends are found by the application name the harness gives them.
 * Needs the backends' /proc entries, so PostgreSQL on this machine; a backend that has ended since
 * is no longer counted (the pool keeps its connections through a scenario's load).
 */
export async function postgresBackendCpuSeconds(databaseUrl: string): Promise<number> {
  const applicationName = new URL(databaseUrl).searchParams.get("application_name");
  const client = new pg.Client({ connectionString: POSTGRES_URL });
  await client.connect();
  try {
    const { rows } = await client.query<{ pid: number }>(
      "select pid from pg_stat_activity where application_name = $1",
      [applicationName],
    );
    return cpuSecondsOf(rows.map((row) => row.pid).filter((pid) => existsSync(`/proc/${pid}/stat`)));
  } finally {
    await client.end();
  }
}

/** Peak resident memory of a process so far (kernel high-water mark), in MB. */
export function peakRssMb(pid: number | undefined): number {
  const status = readFileSync(`/proc/${pid}/status`, "utf8");
  return Math.round(Number(/VmHWM:\s+(\d+)/.exec(status)?.[1] ?? 0) / 1024);
}

export async function json<T>(url: string, init: RequestInit): Promise<T> {
  const response = await fetch(url, init);
  if (!response.ok) throw new Error(`${init.method ?? "GET"} ${url}: ${response.status} ${await response.text()}`);
  return (await response.json()) as T;
}

/** Runs `work` for every item, `width` at a time. */
export async function inParallel<T>(items: T[], width: number, work: (item: T) => Promise<void>): Promise<void> {
  let next = 0;
  await Promise.all(
    Array.from({ length: width }, async () => {
      while (next < items.length) await work(items[next++] as T);
    }),
  );
}

/** A distinct client address per shopper (sent as X-Forwarded-For from the trusted loopback). */
/**
 * A run of a fixed number of requests ends at its last response: autocannon notices it only at its
 * next one-second tick, so its own duration (and its per-second average) understates a run of a
 * few seconds by up to a second.
 */
export function untilLastResponse(request: autocannon.Request): { request: autocannon.Request; seconds(): number } {
  const started = performance.now();
  let last = started;
  const then = request.onResponse;
  return {
    request: {
      ...request,
      onResponse: (status, body, context, headers) => {
        last = performance.now();
        if (typeof then === "function") then(status, body, context, headers);
      },
    },
    seconds: () => (last - started) / 1000,
  };
}

export const addressOf = (i: number) => `10.${(i >> 16) & 255}.${(i >> 8) & 255}.${i & 255}`;

export interface Fanfare {
  env: NodeJS.ProcessEnv;
  /** Where the SQLite file lives (also with PostgreSQL: the generated files go there). */
  dataDir: string;
  /** The PostgreSQL URL with this run's schema, when `--db postgres`. */
  databaseUrl: string | undefined;
  keys: { publishableLive: string; secretLive: string };
  /** The first server process, and its URLs. */
  server: Running;
  consumerUrl: string;
  adminUrl: string;
  /** Every server process (`processes` of them, one database), each on its own ports. */
  servers: Running[];
  consumerUrls: string[];
  adminUrls: string[];
  stop(): Promise<void>;
}

/**
 * Builds, creates the database (a temporary SQLite directory or a fresh PostgreSQL schema) and
 * an organization whose plan limit is lifted out of the way, then starts `fanfare serve` once,
 * or `processes` times on the same database (each process picks its own free ports).
 */
export async function startFanfare(options: {
  db: string;
  redis: boolean;
  build?: boolean;
  processes?: number;
  /** Extra Node.js flags for the server processes (`--cpu-prof`, say). */
  nodeArgs?: string[];
  /** Extra arguments of `fanfare serve` (`--workers 2`, say). */
  serveArgs?: string[];
  /** A Redis of the caller's (with `redis`) instead of the shared one. */
  redisUrl?: string;
  /**
   * The server processes' environment, made from the CLI's: lets them reach PostgreSQL and Redis
   * through fault proxies in this process, which the CLI (run synchronously) would block.
   */
  serverEnv?: (env: NodeJS.ProcessEnv) => NodeJS.ProcessEnv;
}): Promise<Fanfare> {
  if (options.build !== false) spawnSync("npm", ["run", "build"], { cwd: ROOT, stdio: "inherit" });
  const dataDir = mkdtempSync(join(tmpdir(), "fanfare-bench-"));
  const env: NodeJS.ProcessEnv = {
    ...Object.fromEntries(Object.entries(process.env).filter(([name]) => !name.startsWith("FANFARE_"))),
    FANFARE_DATA_DIR: dataDir,
    FANFARE_SECRET: "bench-secret-that-is-at-least-thirty-two-bytes-long",
    FANFARE_CONSUMER_PORT: "0",
    FANFARE_ADMIN_PORT: "0",
    // Request lines at `info` would measure the log pipe; warnings and errors still print.
    FANFARE_LOG_LEVEL: "warn",
    FANFARE_OTP_DELIVERY: "none",
    // Lets the harness present many shoppers' addresses (X-Forwarded-For) from one machine.
    FANFARE_TRUSTED_PROXIES: "127.0.0.1",
  };
  let schema: string | undefined;
  let databaseUrl: string | undefined;
  if (options.db === "postgres") {
    schema = `bench_${Date.now()}`;
    const client = new pg.Client({ connectionString: POSTGRES_URL });
    await client.connect();
    await client.query(`create schema ${schema}`);
    await client.end();
    const url = new URL(POSTGRES_URL);
    url.searchParams.set("options", `-c search_path=${schema}`);
    // Names this run's backends, so that their CPU can be told from other clients' (see below).
    url.searchParams.set("application_name", schema);
    databaseUrl = url.toString();
    env.FANFARE_DATABASE_URL = databaseUrl;
  }
  if (options.redis) env.FANFARE_REDIS_URL = options.redisUrl ?? REDIS_URL;

  const cli = (args: string[]) => {
    const run = spawnSync(process.execPath, ["packages/server/bin/fanfare.js", ...args], {
      cwd: ROOT,
      env,
      encoding: "utf8",
    });
    if (run.status !== 0) throw new Error(run.stderr);
    return run.stdout;
  };
  const { organizationId, keys } = JSON.parse(cli(["init", "--name", "Bench", "--json"])) as {
    organizationId: string;
    keys: { publishableLive: string; secretLive: string };
  };
  // The plan limit is not what is measured here: lift it out of the way.
  cli(["orgs", "set-plan", organizationId, "enterprise", "--limit", "1000000000"]);

  const servers: Running[] = [];
  const stopServers = () =>
    Promise.all(
      servers.map(({ child }) => {
        if (child.exitCode !== null) return Promise.resolve();
        const exited = new Promise((resolve) => child.once("exit", resolve));
        child.kill("SIGTERM");
        return exited;
      }),
    );
  try {
    for (let i = 0; i < (options.processes ?? 1); i++) {
      servers.push(
        await start(
          [...(options.nodeArgs ?? []), "packages/server/bin/fanfare.js", "serve", ...(options.serveArgs ?? [])],
          options.serverEnv?.(env) ?? env,
          /admin API\s+http/,
        ),
      );
    }
  } catch (err) {
    await stopServers();
    throw err;
  }
  const urlOf = (server: Running, api: "consumer" | "admin") =>
    new RegExp(`${api} API\\s+(http:\\S+)/api/v1`).exec(server.output())?.[1] ?? "";
  const [server] = servers as [Running, ...Running[]];
  return {
    env,
    dataDir,
    databaseUrl,
    keys,
    server,
    consumerUrl: urlOf(server, "consumer"),
    adminUrl: urlOf(server, "admin"),
    servers,
    consumerUrls: servers.map((each) => urlOf(each, "consumer")),
    adminUrls: servers.map((each) => urlOf(each, "admin")),
    async stop() {
      await stopServers();
      rmSync(dataDir, { recursive: true, force: true });
      if (schema) {
        const client = new pg.Client({ connectionString: POSTGRES_URL });
        await client.connect();
        await client.query(`drop schema ${schema} cascade`);
        await client.end();
      }
    },
  };
}
