/**
 * `npm run bench`: starts a bare Fastify baseline and a real Fanfare server (built JS, child
 * processes), loads them with autocannon on loopback, and writes docs/BENCHMARKS.md.
 *
 *   npm run bench -- [--db sqlite|postgres] [--redis] [--duration 5] [--warmup 2] [--rounds 3] [--connections 50]
 */
import { existsSync, readFileSync, writeFileSync } from "node:fs";
import { cpus, totalmem } from "node:os";
import { join, resolve } from "node:path";
import { parseArgs } from "node:util";
import autocannon from "autocannon";
import { addressOf, inParallel, json, peakRssMb, ROOT, start, startFanfare } from "./harness.js";
import { surgeSectionOf } from "./surge-report.js";

const { values: options } = parseArgs({
  options: {
    db: { type: "string", default: "sqlite" },
    redis: { type: "boolean", default: false },
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
}

interface Round {
  base: Result;
  results: Result[];
}

interface Result {
  name: string;
  rps: number;
  p50: number;
  p99: number;
  errors: number;
  rssMb: number;
}

async function load(scenario: Scenario, pid: number | undefined): Promise<Result> {
  const result = await autocannon({
    url: scenario.url,
    connections: CONNECTIONS,
    // Unmeasured load first: the JIT and the caches settle, as in a server that has been up a while.
    ...(scenario.amount
      ? { amount: scenario.amount }
      : { duration: DURATION, ...(WARMUP > 0 ? { warmup: { connections: CONNECTIONS, duration: WARMUP } } : {}) }),
    requests: [
      {
        method: scenario.method ?? "GET",
        ...(scenario.headers ? { headers: scenario.headers } : {}),
        ...(scenario.body ? { body: scenario.body } : {}),
        ...(scenario.setupRequest ? { setupRequest: scenario.setupRequest } : {}),
        ...(scenario.onResponse ? { onResponse: scenario.onResponse } : {}),
      },
    ],
  });
  return {
    name: scenario.name,
    rps: Math.round(result.requests.average),
    p50: result.latency.p50,
    p99: result.latency.p99,
    errors: result.non2xx + result.errors + result.timeouts,
    rssMb: peakRssMb(pid),
  };
}

async function main(): Promise<void> {
  const fanfare = await startFanfare({ db: options.db, redis: options.redis });
  const { consumerUrl, adminUrl, keys, server } = fanfare;
  const baseline = await start(["--import", "tsx", "bench/baseline.ts"], fanfare.env, /baseline http/);
  const baselineUrl = /baseline (http\S+)/.exec(baseline.output())?.[1] ?? "";
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
        url: `${adminUrl}/api/v1/experiences/${experience.id}`,
        headers: secret,
      },
      { name: "2. consumer GET /queues/:id (publishable key)", url: queueUrl(statusQueue), headers: publishable },
      {
        name: `3. consumer GET /queues/:id/status (${TOKENS} consumers)`,
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
      for (const scenario of scenarios(await newQueue(`Entry ${round}`))) {
        process.stdout.write(`${scenario.name}…\n`);
        const result = await load(scenario, server.child.pid);
        // A refused request is expected only for the invalid key.
        if (scenario.name.startsWith("7.")) result.errors = 0;
        results.push(result);
      }
      rounds.push({ base, results });
    }
    writeReport(rounds);
  } finally {
    baseline.child.kill("SIGTERM");
    await fanfare.stop();
  }
}

const median = (values: number[]) => [...values].sort((x, y) => x - y)[values.length >> 1] as number;
const percent = (ratio: number) => `${Math.round(ratio * 100)}%`;

/** Per scenario: the round with the median ratio to its own baseline, and the range over rounds. */
function summarise(rounds: Round[]): string {
  const baselines = rounds.map((round) => round.base);
  const medianBase = baselines.find((base) => base.rps === median(baselines.map((b) => b.rps))) as Result;
  const rows = [
    `| ${medianBase.name} | ${medianBase.rps.toLocaleString("en")} | 100% | | ${medianBase.p50} | ${medianBase.p99} | 0 | ${medianBase.rssMb} |`,
  ];
  const scenarioCount = rounds[0]?.results.length ?? 0;
  for (let i = 0; i < scenarioCount; i++) {
    const measured = rounds.map((round) => {
      const result = round.results[i] as Result;
      return { result, ratio: result.rps / round.base.rps };
    });
    const ratios = measured.map((m) => m.ratio);
    const typical = measured.find((m) => m.ratio === median(ratios)) as (typeof measured)[number];
    const { name, rps, p50, p99, rssMb } = typical.result;
    const errors = measured.reduce((sum, m) => sum + m.result.errors, 0);
    const range = `${percent(Math.min(...ratios))}–${percent(Math.max(...ratios))}`;
    rows.push(
      `| ${name} | ${rps.toLocaleString("en")} | ${percent(typical.ratio)} | ${range} | ${p50} | ${p99} | ${errors} | ${rssMb} |`,
    );
  }
  return [
    "| scenario | req/s | vs baseline | range | p50 ms | p99 ms | non-2xx | peak RSS MB |",
    "|---|---:|---:|---:|---:|---:|---:|---:|",
    ...rows,
  ].join("\n");
}

function writeReport(rounds: Round[]): void {
  const version = (name: string) =>
    (JSON.parse(readFileSync(join(ROOT, "node_modules", name, "package.json"), "utf8")) as { version: string }).version;
  const table = summarise(rounds);
  const setup = `${options.db === "postgres" ? "PostgreSQL" : "SQLite"}${options.redis ? " + Redis" : ""}`;
  const report = `# Benchmarks

Written by \`npm run bench\` on ${new Date().toISOString().slice(0, 10)}: ${setup}, ${CONNECTIONS} connections,
${ROUNDS} rounds of ${DURATION} s per scenario, each after ${WARMUP} s of unmeasured warm-up (scenario 6: ${TOKENS} requests,
one per consumer, no warm-up), load generator (autocannon) and servers on the same machine over loopback.

Machine: ${cpus().length} × ${cpus()[0]?.model ?? "cpu"}, ${Math.round(totalmem() / 2 ** 30)} GiB; Node ${process.version},
Fastify ${version("fastify")}, better-sqlite3 ${version("better-sqlite3")}, autocannon ${version("autocannon")}.

${table}

Ratios are to the bare Fastify hello-world measured in the same run, which is what makes runs on
different machines comparable. The machine's speed drifts from minute to minute (a shared VM), so
every round measures the baseline again and judges its scenarios against it; each row shows the
round with the median ratio (its req/s and latencies) and the range of ratios over the rounds.
Non-2xx is summed over the rounds. Peak RSS is the server's high-water mark so far (it only grows).
The server logs at \`warn\` here (one line per request at \`info\` would measure the log pipe).

Rerun: \`npm run bench\` (SQLite), \`npm run bench -- --db postgres\`, add \`--redis\` for shared rate
limits; \`--duration\`, \`--warmup\`, \`--rounds\`, \`--connections\` and \`--tokens\` change the load.
`;
  const file = resolve(ROOT, options.output);
  // \`npm run surge\` owns the section from its heading on: keep its latest runs.
  const surge = existsSync(file) ? surgeSectionOf(readFileSync(file, "utf8")) : "";
  writeFileSync(file, surge ? `${report}\n${surge}` : report);
  process.stdout.write(`\n${table}\n\nwritten to ${options.output}\n`);
}

await main();
