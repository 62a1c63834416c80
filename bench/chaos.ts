/**
 * `npm run chaos`: a drop on PostgreSQL + Redis while Redis and then PostgreSQL are cut (or hung)
 * under it. The servers reach both through TCP fault proxies in this process; Redis is a private
 * redis-server, so the shared services are never disturbed. Shoppers arrive evenly over the drop,
 * take a guest session, enter one queue and retry what failed (bench/chaos-client.ts); afterwards
 * the queue is read straight from PostgreSQL and bench/chaos-analysis.ts checks the goals of issue
 * #29. Prints the figures; exits 1 if a goal is missed.
 *
 *   npm run chaos -- [--consumers 20000] [--processes 1] [--pg-cut-seconds 5] [--pg-mode cut|hang]
 *                    [--redis-cut-seconds 5] [--redis-mode cut|hang] [--connections 50] [--skip-build]
 *
 * Timeline: 10 s of drop, the Redis fault, 5 s, the PostgreSQL fault, then as long again as before
 * it (so the PostgreSQL fault is in the middle of the drop); arrivals spread evenly over all of it,
 * then the stragglers' retries. Redis goes first so that what PostgreSQL's return leaves behind
 * is not counted against Redis.
 */
import { parseArgs } from "node:util";
import { analyse, type ChaosAnalysis, type FaultWindow } from "./chaos-analysis.js";
import { type DropRecord, runDrop } from "./chaos-client.js";
import { type FaultMode, type FaultProxy, proxyFor, startPrivateRedis } from "./chaos-services.js";
import { type Fanfare, json, POSTGRES_URL, startFanfare } from "./harness.js";
import { type EntryRow, entriesOf } from "./surge-checks.js";

const { values: options } = parseArgs({
  options: {
    consumers: { type: "string", default: "20000" },
    processes: { type: "string", default: "1" },
    "pg-cut-seconds": { type: "string", default: "5" },
    "pg-mode": { type: "string", default: "cut" },
    "redis-cut-seconds": { type: "string", default: "5" },
    "redis-mode": { type: "string", default: "cut" },
    connections: { type: "string", default: "50" },
    "skip-build": { type: "boolean", default: false },
  },
});

function refuse(message: string): never {
  process.stderr.write(`npm run chaos: ${message}\n`);
  process.exit(2);
}

function positive(name: string, integer: boolean): number {
  const text = options[name as keyof typeof options] as string;
  const value = Number(text);
  if (!(value > 0) || (integer && !Number.isInteger(value))) {
    refuse(`--${name} must be a positive ${integer ? "integer" : "number"} (got "${text}")`);
  }
  return value;
}

function mode(name: "pg-mode" | "redis-mode"): "cut" | "hang" {
  const value = options[name];
  if (value !== "cut" && value !== "hang") refuse(`--${name} must be cut or hang (got "${value}")`);
  return value;
}

const CONSUMERS = positive("consumers", true);
const PROCESSES = positive("processes", true);
const CONNECTIONS = positive("connections", true);
const PG_MS = positive("pg-cut-seconds", false) * 1000;
const REDIS_MS = positive("redis-cut-seconds", false) * 1000;
const PG_MODE = mode("pg-mode");
const REDIS_MODE = mode("redis-mode");
const BEFORE_MS = 10_000;
const BETWEEN_MS = 5_000;
/** As long as the drop before the PostgreSQL fault, which so falls in the middle. */
const AFTER_MS = BEFORE_MS + REDIS_MS + BETWEEN_MS;
/** Shoppers still without an entry this long after the last fault stop retrying. */
const GIVE_UP_AFTER_MS = 60_000;
const POLLERS = 20;

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, Math.max(0, ms)));

/** Cuts or hangs the proxy at `startMs` for `lengthMs` (on `now`), and records the window. */
async function fault(
  proxy: FaultProxy,
  dependency: FaultWindow["dependency"],
  faultMode: Exclude<FaultMode, "pass">,
  startMs: number,
  lengthMs: number,
  now: () => number,
): Promise<FaultWindow> {
  await sleep(startMs - now());
  proxy.set(faultMode);
  const began = now();
  process.stdout.write(`  ${dependency} ${faultMode} at ${(began / 1000).toFixed(1)} s\n`);
  await sleep(began + lengthMs - now());
  proxy.set("pass");
  const ended = now();
  process.stdout.write(`  ${dependency} back at ${(ended / 1000).toFixed(1)} s\n`);
  return { dependency, mode: faultMode, startMs: began, endMs: ended };
}

const seconds = (ms: number | null) => (ms === null ? "never" : `${(ms / 1000).toFixed(2)} s`);
const count = (n: number) => n.toLocaleString("en");

function printed(a: ChaosAnalysis): string {
  const rows: [string, string][] = [
    ["shoppers", count(a.shoppers)],
    ["entries acknowledged (2xx to an enter)", count(a.acknowledged)],
    ["entries found in PostgreSQL", count(a.found)],
    ["acknowledged but not found (lost)", count(a.lost)],
    ["committed but answered 503, then acknowledged by a retry", count(a.committedAnswered503ThenAcknowledged)],
    ["committed, never acknowledged", count(a.committedNeverAcknowledged)],
    ["requests", count(a.requests)],
    [
      "requests that waited more than 2 s",
      `${count(a.waitedOverMaxMs)}${a.waitedOverMaxSentMs ? `, sent from ${seconds(a.waitedOverMaxSentMs[0])} to ${seconds(a.waitedOverMaxSentMs[1])}` : ""}`,
    ],
    ["slowest request", `${a.slowestMs.toFixed(0)} ms`],
    ["503s", count(a.answered503)],
    ["503s outside the fault windows (+ 2 s)", count(a.answered503OutsideWindows)],
    ["other failures (not 2xx, not 503)", count(a.unexpected)],
    ...a.failures.map(({ what, count: n }): [string, string] => [`failed: ${what}`, count(n)]),
    ...a.faults.flatMap((f): [string, string][] => [
      [
        `${f.dependency} ${f.mode} ${seconds(f.endMs - f.startMs)}: 503s / slowest request`,
        `${count(f.answered503)} / ${f.slowestMs.toFixed(0)} ms`,
      ],
      [`${f.dependency} ${f.mode}: time to full service`, seconds(f.fullServiceAfterMs)],
    ]),
    ...a.servers.map((s, i): [string, string] => [
      `server process ${i + 1}`,
      `${s.aliveAfterDrop ? "alive after the drop" : "DIED during the drop"}, exit ${s.exitCode ?? s.signal}`,
    ]),
  ];
  return [
    "| measure | value |",
    "|---|---:|",
    ...rows.map(([name, value]) => `| ${name} | ${value} |`),
    "",
    ...a.goals.map((g) => `${g.met ? "met   " : "MISSED"}  ${g.goal} (${g.detail})`),
  ].join("\n");
}

/** The servers' log lines of the requests that answered 500 (their bodies name the request id). */
function printServerErrors(fanfare: Fanfare, drop: DropRecord): void {
  const ids = new Set(drop.requests.flatMap((r) => /\breq_\w+/.exec(r.error ?? "") ?? []));
  if (ids.size === 0) return;
  const lines = fanfare.servers.flatMap((server) => server.output().split("\n"));
  const logged = lines.filter((line) => [...ids].some((id) => line.includes(id)));
  process.stdout.write(`the servers' log of the requests answered 500:\n${logged.slice(0, 10).join("\n")}\n`);
}

/** Runs the drop with its fault schedule; what it observed, before the servers are stopped. */
async function chaos(fanfare: Fanfare, postgresProxy: FaultProxy, redisProxy: FaultProxy) {
  const secret = { authorization: `Bearer ${fanfare.keys.secretLive}`, "content-type": "application/json" };
  const experience = await json<{ id: string }>(`${fanfare.adminUrl}/api/v1/experiences`, {
    method: "POST",
    headers: secret,
    body: JSON.stringify({ name: "Chaos drop" }),
  });
  const queue = await json<{ id: string }>(`${fanfare.adminUrl}/api/v1/experiences/${experience.id}/queues`, {
    method: "POST",
    headers: secret,
    body: JSON.stringify({ name: "Chaos", status: "OPEN" }),
  });

  const dropMs = BEFORE_MS + PG_MS + BETWEEN_MS + REDIS_MS + AFTER_MS;
  process.stdout.write(
    `${count(CONSUMERS)} shoppers arrive over ${dropMs / 1000} s at ${PROCESSES} process${PROCESSES > 1 ? "es" : ""}; Redis ${REDIS_MODE} for ${REDIS_MS / 1000} s, then PostgreSQL ${PG_MODE} for ${PG_MS / 1000} s…\n`,
  );
  const started = performance.now();
  const now = () => performance.now() - started;
  const schedule = (async () => {
    const windows = [
      await fault(redisProxy, "Redis", REDIS_MODE, BEFORE_MS, REDIS_MS, now),
      await fault(postgresProxy, "PostgreSQL", PG_MODE, BEFORE_MS + REDIS_MS + BETWEEN_MS, PG_MS, now),
    ];
    await sleep(dropMs - now());
    return windows;
  })();
  const drop = await runDrop({
    consumerUrls: fanfare.consumerUrls,
    queuePath: `/api/v1/queues/${queue.id}`,
    publishableKey: fanfare.keys.publishableLive,
    shoppers: CONSUMERS,
    arrivalsUntilMs: dropMs,
    connections: CONNECTIONS,
    pollers: POLLERS,
    giveUpAtMs: dropMs + GIVE_UP_AFTER_MS,
    now,
    scheduleDone: schedule.then(() => undefined),
  });
  const windows = await schedule;
  process.stdout.write(`drop over at ${(now() / 1000).toFixed(1)} s\n`);
  const alive = fanfare.servers.map(({ child }) => child.exitCode === null && child.signalCode === null);
  for (const [i, server] of fanfare.servers.entries()) {
    if (!alive[i])
      process.stdout.write(`server process ${i + 1} died; its last output:\n${server.output().slice(-4000)}\n`);
  }
  printServerErrors(fanfare, drop);
  return { drop, windows, alive, rows: await entriesOf(fanfare, queue.id) };
}

async function main(): Promise<void> {
  const redis = await startPrivateRedis();
  const postgresProxy = await proxyFor(POSTGRES_URL, 5432);
  const redisProxy = await proxyFor(redis.url, 6379);
  const fanfare = await startFanfare({
    db: "postgres",
    redis: true,
    redisUrl: redis.url,
    build: !options["skip-build"],
    processes: PROCESSES,
    serverEnv: (env) => ({
      ...env,
      FANFARE_DATABASE_URL: postgresProxy.urlFor(env.FANFARE_DATABASE_URL ?? ""),
      FANFARE_REDIS_URL: redisProxy.urlFor(redis.url),
    }),
  }).catch(async (err) => {
    await Promise.all([postgresProxy.close(), redisProxy.close(), redis.stop()]);
    throw err;
  });
  let observed: { drop: DropRecord; windows: FaultWindow[]; alive: boolean[]; rows: EntryRow[] };
  try {
    observed = await chaos(fanfare, postgresProxy, redisProxy);
  } finally {
    await fanfare.stop();
    await Promise.all([postgresProxy.close(), redisProxy.close(), redis.stop()]);
  }
  const { drop, windows, alive, rows } = observed;
  const analysis = analyse({
    consumerIds: drop.consumerIds,
    requests: drop.requests,
    entries: rows.map((row) => ({ consumerId: row.consumer_id, seq: row.seq })),
    faults: windows,
    servers: fanfare.servers.map(({ child }, i) => ({
      aliveAfterDrop: alive[i] ?? false,
      exitCode: child.exitCode,
      signal: child.signalCode,
    })),
  });
  process.stdout.write(`\n${printed(analysis)}\n`);
  if (analysis.goals.some((g) => !g.met)) process.exitCode = 1;
}

await main();
