/**
 * `npm run bench`: starts a bare Fastify baseline and a real Fanfare server (built JS, child
 * processes), loads them with autocannon on loopback, and writes docs/BENCHMARKS.md.
 *
 *   npm run bench -- [--db sqlite|postgres] [--redis] [--peers] [--duration 5] [--warmup 2] [--rounds 3] [--connections 50]
 *
 * `--peers` also loads oidc-provider and better-auth's API-key plugin (bench/peers/) beside the
 * Fanfare scenarios they match, and with `--db postgres` the PostgreSQL backends' CPU is counted.
 */
import { existsSync, readFileSync, writeFileSync } from "node:fs";
import { cpus, totalmem } from "node:os";
import { join, resolve } from "node:path";
import { parseArgs } from "node:util";
import autocannon from "autocannon";
import {
  addressOf,
  cpuSecondsOf,
  inParallel,
  json,
  peakRssMb,
  postgresBackendCpuSeconds,
  ROOT,
  start,
  startFanfare,
  untilLastResponse,
} from "./harness.js";
import { OIDC_CLIENT } from "./peers/oidc-client.js";
import { surgeSectionOf } from "./surge-report.js";

const { values: options } = parseArgs({
  options: {
    db: { type: "string", default: "sqlite" },
    redis: { type: "boolean", default: false },
    peers: { type: "boolean", default: false },
    duration: { type: "string", default: "5" },
    warmup: { type: "string", default: "2" },
    rounds: { type: "string", default: "3" },
    connections: { type: "string", default: "50" },
    tokens: { type: "string", default: "10000" },
    output: { type: "string", default: "docs/BENCHMARKS.md" },
  },
});
const DURATION = Number(options.duration);
const WARMUP = Number(options.warmup);
const ROUNDS = Number(options.rounds);
const CONNECTIONS = Number(options.connections);
const TOKENS = Number(options.tokens);

interface Scenario {
  name: string;
  url: string;
  method?: "GET" | "POST";
  headers?: Record<string, string>;
  body?: string;
  /** Varies each request (a token, an address) and reads each answer. */
  setupRequest?: autocannon.Request["setupRequest"];
  onResponse?: autocannon.Request["onResponse"];
  /** A fixed number of requests instead of a duration (each consumer enters once). */
  amount?: number;
  /** Issue #17's goal for bare Fastify's CPU per request ÷ this scenario's. */
  cpuGoal?: number;
  /** A peer's server: its process is the one measured, and the Fanfare scenario it stands beside. */
  peer?: { pid: number | undefined; beside: string; goal?: string };
}

interface Round {
  base: Result;
  results: Result[];
}

interface Result {
  name: string;
  rps: number;
  /** Server CPU time (user + system, every thread) per request served, in microseconds. */
  cpuMicros: number;
  cpuGoal?: number | undefined;
  p50: number;
  p99: number;
  errors: number;
  rssMb: number;
  /** PostgreSQL backends' CPU per request, in microseconds, when the server runs on PostgreSQL. */
  databaseCpuMicros?: number | undefined;
  peer?: Scenario["peer"];
}

function autocannonOptions(scenario: Scenario, run: { duration: number } | { amount: number }): autocannon.Options {
  return {
    url: scenario.url,
    connections: CONNECTIONS,
    ...run,
    requests: [
      {
        method: scenario.method ?? "GET",
        ...(scenario.headers ? { headers: scenario.headers } : {}),
        ...(scenario.body ? { body: scenario.body } : {}),
        ...(scenario.setupRequest ? { setupRequest: scenario.setupRequest } : {}),
        ...(scenario.onResponse ? { onResponse: scenario.onResponse } : {}),
      },
    ],
  };
}

/**
 * Waits until the server is idle: the writes of the scenario before (a WAL checkpoint, batched
 * counters) must not be billed to the next one. Idle is under 2% of a core over half a second.
 */
async function settle(pid: number | undefined): Promise<void> {
  for (let waited = 0; waited < 15_000; waited += 500) {
    const before = cpuSecondsOf([pid]);
    await new Promise((resolve) => setTimeout(resolve, 500));
    if (cpuSecondsOf([pid]) - before < 0.01) return;
  }
}

async function load(scenario: Scenario, pid: number | undefined, databaseUrl?: string): Promise<Result> {
  await settle(pid);
  // Unmeasured load first: the JIT and the caches settle, as in a server that has been up a while.
  // It is a run of its own so that the CPU counted below belongs to the measured requests only.
  if (!scenario.amount && WARMUP > 0) await autocannon(autocannonOptions(scenario, { duration: WARMUP }));
  const databaseBefore = databaseUrl ? await postgresBackendCpuSeconds(databaseUrl) : 0;
  const cpuBefore = cpuSecondsOf([pid]);
  const measured = autocannonOptions(scenario, scenario.amount ? { amount: scenario.amount } : { duration: DURATION });
  const timed = untilLastResponse(measured.requests?.[0] ?? {});
  const result = await autocannon({ ...measured, requests: [timed.request] });
  const cpuSeconds = cpuSecondsOf([pid]) - cpuBefore;
  const databaseSeconds = databaseUrl ? (await postgresBackendCpuSeconds(databaseUrl)) - databaseBefore : undefined;
  const perRequest = (seconds: number) => Math.round((seconds * 1e6) / Math.max(1, result.requests.total));
  return {
    name: scenario.name,
    rps: Math.round(scenario.amount ? result.requests.total / timed.seconds() : result.requests.average),
    cpuMicros: perRequest(cpuSeconds),
    cpuGoal: scenario.cpuGoal,
    p50: result.latency.p50,
    p99: result.latency.p99,
    errors: result.non2xx + result.errors + result.timeouts,
    rssMb: peakRssMb(pid),
    databaseCpuMicros: databaseSeconds === undefined ? undefined : perRequest(databaseSeconds),
    peer: scenario.peer,
  };
}

/** The peers' servers (`--peers`), each a child process printing its address. */
async function startPeers(env: NodeJS.ProcessEnv) {
  const oidc = await start(["--import", "tsx", "bench/peers/oidc-provider.ts"], env, /peer http\S+/);
  const betterAuth = await start(["--import", "tsx", "bench/peers/better-auth.ts"], env, /peer http\S+ key \S+/);
  const oidcUrl = /peer (http\S+)/.exec(oidc.output())?.[1] ?? "";
  const [, betterAuthUrl, apiKey] = /peer (http\S+) key (\S+)/.exec(betterAuth.output()) ?? [];
  const scenarios: Scenario[] = [
    {
      name: "P1. oidc-provider POST /token (client credentials, EdDSA JWT, in memory)",
      url: `${oidcUrl}/token`,
      method: "POST",
      headers: {
        authorization: `Basic ${Buffer.from(`${OIDC_CLIENT.id}:${OIDC_CLIENT.secret}`).toString("base64")}`,
        "content-type": "application/x-www-form-urlencoded",
      },
      body: "grant_type=client_credentials&scope=enter",
      peer: { pid: oidc.child.pid, beside: "4.", goal: "≤ 0.50" },
    },
    {
      name: "P2. better-auth API-key verify (x-api-key, SQLite)",
      url: `${betterAuthUrl}/resource`,
      headers: { "x-api-key": apiKey ?? "" },
      peer: { pid: betterAuth.child.pid, beside: "1." },
    },
  ];
  return {
    scenarios,
    stop() {
      oidc.child.kill("SIGTERM");
      betterAuth.child.kill("SIGTERM");
    },
  };
}

async function main(): Promise<void> {
  const fanfare = await startFanfare({ db: options.db, redis: options.redis });
  const { consumerUrl, adminUrl, keys, server } = fanfare;
  const baseline = await start(["--import", "tsx", "bench/baseline.ts"], fanfare.env, /baseline http/);
  const baselineUrl = /baseline (http\S+)/.exec(baseline.output())?.[1] ?? "";
  const peers = options.peers ? await startPeers(fanfare.env) : undefined;
  const secret = { authorization: `Bearer ${keys.secretLive}`, "content-type": "application/json" };
  const publishable = { "x-publishable-key": keys.publishableLive };

  try {
    const experience = await json<{ id: string }>(`${adminUrl}/api/v1/experiences`, {
      method: "POST",
      headers: secret,
      body: JSON.stringify({ name: "Bench drop" }),
    });
    const queueUrl = (id: string) => `${consumerUrl}/api/v1/queues/${id}`;
    const newQueue = async (name: string) =>
      (
        await json<{ id: string }>(`${adminUrl}/api/v1/experiences/${experience.id}/queues`, {
          method: "POST",
          headers: secret,
          body: JSON.stringify({ name }),
        })
      ).id;
    const statusQueue = await newQueue("Status");

    process.stdout.write(`creating ${TOKENS} guest consumers and their places…\n`);
    const guests: { accessToken: string; refreshToken: string }[] = [];
    await inParallel(
      Array.from({ length: TOKENS }, (_, i) => i),
      32,
      async (i) => {
        const guest = await json<{ accessToken: string; refreshToken: string }>(`${consumerUrl}/api/v1/auth/guest`, {
          method: "POST",
          headers: { ...publishable, "x-forwarded-for": addressOf(i) },
        });
        await json(`${queueUrl(statusQueue)}/enter`, {
          method: "POST",
          headers: { ...publishable, authorization: `Bearer ${guest.accessToken}` },
        });
        guests.push(guest);
      },
    );

    const roundRobin = <T>(items: T[]) => {
      let i = 0;
      return () => items[i++ % items.length] as T;
    };
    const nextGuest = roundRobin(guests);
    const refreshPool = guests.map((guest) => guest.refreshToken);
    let guestAddress = TOKENS;

    // Each round enters the same consumers into a queue of its own.
    const scenarios = (entryQueue: string): Scenario[] => [
      {
        name: "1. admin GET /experiences/:id (secret key)",
        cpuGoal: 0.6,
        url: `${adminUrl}/api/v1/experiences/${experience.id}`,
        headers: secret,
      },
      {
        name: "2. consumer GET /queues/:id (publishable key)",
        cpuGoal: 0.6,
        url: queueUrl(statusQueue),
        headers: publishable,
      },
      {
        name: `3. consumer GET /queues/:id/status (${TOKENS} consumers)`,
        cpuGoal: 0.4,
        url: `${queueUrl(statusQueue)}/status`,
        setupRequest: (request) => ({
          ...request,
          headers: { ...publishable, authorization: `Bearer ${nextGuest().accessToken}` },
        }),
      },
      {
        name: "4. POST /auth/guest (sign + insert)",
        url: `${consumerUrl}/api/v1/auth/guest`,
        method: "POST",
        setupRequest: (request) => ({
          ...request,
          headers: { ...publishable, "x-forwarded-for": addressOf(++guestAddress) },
        }),
      },
      {
        name: "5. POST /auth/refresh (rotation)",
        url: `${consumerUrl}/api/v1/auth/refresh`,
        method: "POST",
        // Each refresh token works once: take one from the pool, put its successor back.
        setupRequest: (request) => ({
          ...request,
          headers: { ...publishable, "content-type": "application/json" },
          body: JSON.stringify({ refreshToken: refreshPool.shift() }),
        }),
        onResponse: (status, body) => {
          if (status === 200) refreshPool.push((JSON.parse(body) as { refreshToken: string }).refreshToken);
        },
      },
      {
        name: `6. POST /queues/:id/enter (${TOKENS} distinct consumers)`,
        url: `${queueUrl(entryQueue)}/enter`,
        method: "POST",
        amount: TOKENS,
        setupRequest: (request) => ({
          ...request,
          headers: { ...publishable, authorization: `Bearer ${nextGuest().accessToken}` },
        }),
      },
      {
        name: "7. invalid key (bad checksum)",
        cpuGoal: 0.75,
        url: `${adminUrl}/api/v1/experiences/${experience.id}`,
        headers: { authorization: "Bearer sk_live_0000000000000000000000000000000000000000000000" },
      },
    ];

    // The machine's speed drifts (a shared VM): every round measures the baseline again, and each
    // scenario is judged against the baseline of its own round.
    const rounds: Round[] = [];
    for (let round = 1; round <= ROUNDS; round++) {
      process.stdout.write(`round ${round}/${ROUNDS} — baseline: bare Fastify…\n`);
      const base = await load(
        { name: "bare Fastify hello-world (baseline)", url: `${baselineUrl}/hello` },
        baseline.child.pid,
      );
      const results: Result[] = [];
      for (const scenario of [...scenarios(await newQueue(`Entry ${round}`)), ...(peers?.scenarios ?? [])]) {
        process.stdout.write(`${scenario.name}…\n`);
        const result = scenario.peer
          ? await load(scenario, scenario.peer.pid)
          : await load(scenario, server.child.pid, fanfare.databaseUrl);
        // A refused request is expected only for the invalid key.
        if (scenario.name.startsWith("7.")) result.errors = 0;
        results.push(result);
      }
      rounds.push({ base, results });
    }
    writeReport(rounds);
  } finally {
    baseline.child.kill("SIGTERM");
    peers?.stop();
    await fanfare.stop();
  }
}

const median = (values: number[]) => [...values].sort((x, y) => x - y)[values.length >> 1] as number;
const percent = (ratio: number) => `${Math.round(ratio * 100)}%`;

const ratioText = (ratio: number) => ratio.toFixed(2);
const rangeText = (ratios: number[]) => `${ratioText(Math.min(...ratios))}–${ratioText(Math.max(...ratios))}`;

/**
 * Per scenario: the round with the median CPU ratio to its own baseline (bare Fastify's server CPU
 * per request ÷ ours), and the range of that ratio over the rounds.
 */
function summarise(rounds: Round[]): string {
  const baselines = rounds.map((round) => round.base);
  const medianBase = baselines.find((base) => base.cpuMicros === median(baselines.map((b) => b.cpuMicros))) as Result;
  const rows = [
    `| ${medianBase.name} | ${medianBase.rps.toLocaleString("en")} | 100% | ${medianBase.cpuMicros} | 1.00 | | | ${medianBase.p50} | ${medianBase.p99} | 0 | ${medianBase.rssMb} |`,
  ];
  const scenarioCount = rounds[0]?.results.length ?? 0;
  for (let i = 0; i < scenarioCount; i++) {
    const measured = rounds.map((round) => {
      const result = round.results[i] as Result;
      return {
        result,
        rpsRatio: result.rps / round.base.rps,
        cpuRatio: round.base.cpuMicros / Math.max(1, result.cpuMicros),
      };
    });
    const cpuRatios = measured.map((m) => m.cpuRatio);
    const typical = measured.find((m) => m.cpuRatio === median(cpuRatios)) as (typeof measured)[number];
    const { name, rps, cpuMicros, cpuGoal, p50, p99, rssMb } = typical.result;
    const errors = measured.reduce((sum, m) => sum + m.result.errors, 0);
    const range = rangeText(cpuRatios);
    rows.push(
      `| ${name} | ${rps.toLocaleString("en")} | ${percent(typical.rpsRatio)} | ${cpuMicros} | ${ratioText(typical.cpuRatio)} | ${range} | ${cpuGoal ? `≥ ${ratioText(cpuGoal)}` : ""} | ${p50} | ${p99} | ${errors} | ${rssMb} |`,
    );
  }
  return [
    "| scenario | req/s | req/s vs bare | server CPU µs/req | bare ÷ ours (CPU) | CPU ratio range | goal | p50 ms | p99 ms | non-2xx | peak RSS MB |",
    "|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|",
    ...rows,
  ].join("\n");
}

/** Per peer: its CPU per request beside the Fanfare scenario it matches, in the same rounds. */
function peerTable(rounds: Round[]): string {
  const peers = rounds[0]?.results.filter((result) => result.peer) ?? [];
  if (peers.length === 0) return "";
  const rows = peers.flatMap(({ name, peer }) => {
    const pairs = rounds.flatMap((round) => {
      const theirs = round.results.find((result) => result.name === name);
      const ours = round.results.find((result) => peer && result.name.startsWith(peer.beside));
      return theirs && ours ? [{ theirs, ours, ratio: ours.cpuMicros / Math.max(1, theirs.cpuMicros) }] : [];
    });
    const ratios = pairs.map((pair) => pair.ratio);
    const typical = pairs.find((pair) => pair.ratio === median(ratios));
    if (!typical) return [];
    return [
      `| ${name} | ${typical.theirs.cpuMicros} | ${typical.ours.name} | ${typical.ours.cpuMicros} | ${ratioText(typical.ratio)} | ${rangeText(ratios)} | ${peer?.goal ?? ""} |`,
    ];
  });
  return [
    "| peer | its server CPU µs/req | Fanfare scenario | ours µs/req | ours ÷ peer | range | goal |",
    "|---|---:|---|---:|---:|---:|---:|",
    ...rows,
  ].join("\n");
}

/**
 * PostgreSQL's side of each request: the backends' CPU per request (median round), and how many
 * such requests a second that CPU alone would allow on a 16-core PostgreSQL.
 */
function databaseTable(rounds: Round[]): string {
  const names = (rounds[0]?.results ?? []).filter((result) => result.databaseCpuMicros !== undefined);
  if (names.length === 0) return "";
  const rows = names.map(({ name }) => {
    const measured = rounds.map((round) => round.results.find((result) => result.name === name) as Result);
    const typical = median(measured.map((result) => result.databaseCpuMicros ?? 0));
    const server = median(measured.map((result) => result.cpuMicros));
    const perSecond = typical > 0 ? Math.round(16e6 / typical).toLocaleString("en") : "–";
    return `| ${name} | ${server} | ${typical} | ${perSecond} |`;
  });
  return [
    "| scenario | server CPU µs/req | PostgreSQL backends' CPU µs/req | per second on 16 PostgreSQL cores (CPU alone) |",
    "|---|---:|---:|---:|",
    ...rows,
  ].join("\n");
}

function writeReport(rounds: Round[]): void {
  const version = (name: string) =>
    (JSON.parse(readFileSync(join(ROOT, "node_modules", name, "package.json"), "utf8")) as { version: string }).version;
  const table = [summarise(rounds), peerTable(rounds), databaseTable(rounds)].filter(Boolean).join("\n\n");
  const setup = `${options.db === "postgres" ? "PostgreSQL" : "SQLite"}${options.redis ? " + Redis" : ""}`;
  const report = `# Benchmarks

Written by \`npm run bench\` on ${new Date().toISOString().slice(0, 10)}: ${setup}, ${CONNECTIONS} connections,
${ROUNDS} rounds of ${DURATION} s per scenario, each after ${WARMUP} s of unmeasured warm-up (scenario 6: ${TOKENS} requests,
one per consumer, no warm-up), load generator (autocannon) and servers on the same machine over loopback.

Machine: ${cpus().length} × ${cpus()[0]?.model ?? "cpu"}, ${Math.round(totalmem() / 2 ** 30)} GiB; Node ${process.version},
Fastify ${version("fastify")}, better-sqlite3 ${version("better-sqlite3")}, autocannon ${version("autocannon")}.

${table}

Server CPU µs/req is the server process's CPU time (user + system, every thread: the main thread,
V8's garbage-collector helpers, libuv's pool) over the measured run, divided by the requests it
served; unlike req/s it does not depend on how much of the machine the load generator takes.
"bare ÷ ours" is bare Fastify's figure divided by the scenario's (1.00 would be a server that costs
no more than the framework's hello-world), and the goal column holds issue #17's targets. Ratios
are to the baseline measured in the same run, which is what makes runs on different machines
comparable. The machine's speed drifts from minute to minute (a shared VM), so every round measures
the baseline again and judges its scenarios against it; each row shows the round with the median
CPU ratio (its req/s and latencies) and the range of that ratio over the rounds.
Non-2xx is summed over the rounds. Peak RSS is the server's high-water mark so far (it only grows).
The server logs at \`warn\` here (one line per request at \`info\` would measure the log pipe).

With \`--peers\`, two peers run beside the matching scenarios in the same rounds: panva's
oidc-provider issuing client-credentials access tokens (EdDSA JWTs, in memory) beside the guest
session, and better-auth's API-key plugin verifying \`x-api-key\` (SQLite, behind bare Fastify)
beside the secret-key GET; "ours ÷ peer" is our server CPU per request over theirs. On PostgreSQL
the backends serving the server (found by the run's \`application_name\`) are measured too. One
queue's arrivals are also bound by its row lock, which the CPU figure leaves out.

Rerun: \`npm run bench\` (SQLite), \`npm run bench -- --db postgres\`, add \`--redis\` for shared rate
limits and \`--peers\` for the peers; \`--duration\`, \`--warmup\`, \`--rounds\`, \`--connections\` and
\`--tokens\` change the load.
`;
  const file = resolve(ROOT, options.output);
  // \`npm run surge\` owns the section from its heading on: keep its latest runs.
  const surge = existsSync(file) ? surgeSectionOf(readFileSync(file, "utf8")) : "";
  writeFileSync(file, surge ? `${report}\n${surge}` : report);
  process.stdout.write(`\n${table}\n\nwritten to ${options.output}\n`);
}

await main();
