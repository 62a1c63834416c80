/**
 * `npm run surge`: a drop in miniature. Creates distinct guest consumers, then all of them enter
 * one queue at once while others poll their status and the merchant admits in batches, then each
 * rotates its refresh token once. Checks afterwards that every consumer holds exactly one entry,
 * arrival numbers are unique and gap-free, admission followed arrival order, every rotation
 * succeeded and nothing answered 5xx; exits 1 if not. Prints the run next to the machine's
 * physical figures and keeps the latest run per setup in docs/BENCHMARKS.md.
 *
 *   npm run surge -- [--consumers 20000] [--connections 200] [--db sqlite|postgres] [--redis]
 *                    [--processes 1] [--workers 1] [--physical-seconds 3] [--physical-only] [--no-report] [--skip-build]
 *                    [--cpu-prof DIR]   (each server writes a V8 CPU profile there when it stops)
 */
import { cpus, totalmem } from "node:os";
import { resolve } from "node:path";
import { parseArgs } from "node:util";
import autocannon from "autocannon";
import {
  addressOf,
  cpuSecondsOf,
  type Fanfare,
  json,
  POSTGRES_URL,
  ROOT,
  startFanfare,
  untilLastResponse,
  withChildren,
} from "./harness.js";
import { type Figure, measurePhysical, physicalTable } from "./physical.js";
import { entriesOf, violations } from "./surge-checks.js";
import { writeSurgeBlock } from "./surge-report.js";

const { values: options } = parseArgs({
  options: {
    consumers: { type: "string", default: "20000" },
    connections: { type: "string", default: "200" },
    db: { type: "string", default: "sqlite" },
    redis: { type: "boolean", default: false },
    processes: { type: "string", default: "1" },
    workers: { type: "string", default: "1" },
    "physical-seconds": { type: "string", default: "3" },
    "physical-only": { type: "boolean", default: false },
    "no-report": { type: "boolean", default: false },
    // The CI variant runs after `npm ci` has built everything.
    "skip-build": { type: "boolean", default: false },
    "cpu-prof": { type: "string" },
  },
});

function refuse(message: string): never {
  process.stderr.write(`npm run surge: ${message}\n`);
  process.exit(2);
}

function positiveNumber(name: string, text: string, integer: boolean): number {
  const value = Number(text);
  if (!(value > 0) || (integer && !Number.isInteger(value))) {
    refuse(`--${name} must be a positive ${integer ? "integer" : "number"} (got "${text}")`);
  }
  return value;
}

const CONSUMERS = positiveNumber("consumers", options.consumers, true);
const CONNECTIONS = positiveNumber("connections", options.connections, true);
const PROCESSES = positiveNumber("processes", options.processes, true);
const WORKERS = positiveNumber("workers", options.workers, true);
const PHYSICAL_SECONDS = positiveNumber("physical-seconds", options["physical-seconds"], false);
const ADMIT_BATCH = 500;
if (options.db !== "sqlite" && options.db !== "postgres")
  refuse(`--db must be sqlite or postgres (got "${options.db}")`);
if (PROCESSES > 1 && options.db !== "postgres") {
  refuse(
    `--processes ${PROCESSES} needs --db postgres: a SQLite database is one file written by one embedded server; several processes share PostgreSQL (add --redis for shared rate limits)`,
  );
}
if (WORKERS > 1 && !(options.db === "postgres" && options.redis)) {
  refuse(`--workers ${WORKERS} needs --db postgres --redis, as \`fanfare serve --workers\` does`);
}
if (CONNECTIONS > CONSUMERS) refuse(`--connections (${CONNECTIONS}) must not exceed --consumers (${CONSUMERS})`);

interface Phase {
  name: string;
  requests: number;
  seconds: number;
  p50: number;
  p99: number;
  serverErrors: number;
  /** Connection errors and client timeouts: the load generator gave up, the server may still have answered. */
  dropped: number;
  /** Server CPU (all processes, all threads) over the phase per request; phases that run together share it. */
  cpuMicrosPerRequest: number;
  /** The load generator's own CPU (this process) per request: it shares the machine's cores. */
  loadCpuMicrosPerRequest: number;
}

const perSecond = (phase: Phase) => phase.requests / phase.seconds;
const integer = (value: number) => Math.round(value).toLocaleString("en");

/** Fires `amount` requests, spread round-robin over every server process. */
async function load(
  fanfare: Fanfare,
  name: string,
  path: string,
  amount: number,
  request: autocannon.Request,
  connections = CONNECTIONS,
): Promise<Omit<Phase, "cpuMicrosPerRequest" | "loadCpuMicrosPerRequest">> {
  const timed = untilLastResponse(request);
  const result = await autocannon({
    // autocannon takes a list of URLs and deals the connections over them round-robin (its typings
    // only know a single URL).
    url: fanfare.consumerUrls.map((url) => `${url}${path}`) as unknown as string,
    connections,
    amount,
    timeout: 30,
    requests: [timed.request],
  });
  return {
    name,
    requests: result.requests.total,
    seconds: timed.seconds(),
    p50: result.latency.p50,
    p99: result.latency.p99,
    serverErrors: result["5xx"],
    dropped: result.errors + result.timeouts,
  };
}

/** Starts the loads together and charges them the servers' CPU time over the whole window. */
async function withServerCpu(
  fanfare: Fanfare,
  loads: () => Promise<Omit<Phase, "cpuMicrosPerRequest" | "loadCpuMicrosPerRequest">>[],
): Promise<Phase[]> {
  const pids = withChildren(fanfare.servers.map((server) => server.child.pid));
  const before = cpuSecondsOf(pids);
  const loadBefore = cpuSecondsOf([process.pid]);
  const results = await Promise.all(loads());
  const cpuSeconds = cpuSecondsOf(pids) - before;
  const loadCpuSeconds = cpuSecondsOf([process.pid]) - loadBefore;
  const requests = results.reduce((sum, result) => sum + result.requests, 0);
  return results.map((result) => ({
    ...result,
    cpuMicrosPerRequest: (cpuSeconds * 1e6) / requests,
    loadCpuMicrosPerRequest: (loadCpuSeconds * 1e6) / requests,
  }));
}

interface Guest {
  accessToken: string;
  refreshToken: string;
  consumerId: string;
}

interface Run {
  phases: Phase[];
  entries: number;
  admitted: number;
  problems: string[];
}

async function surge(fanfare: Fanfare): Promise<Run> {
  const { adminUrl, keys } = fanfare;
  const secret = { authorization: `Bearer ${keys.secretLive}`, "content-type": "application/json" };
  const publishable = { "x-publishable-key": keys.publishableLive };
  const experience = await json<{ id: string }>(`${adminUrl}/api/v1/experiences`, {
    method: "POST",
    headers: secret,
    body: JSON.stringify({ name: "Surge drop" }),
  });
  const queue = await json<{ id: string }>(`${adminUrl}/api/v1/experiences/${experience.id}/queues`, {
    method: "POST",
    headers: secret,
    body: JSON.stringify({ name: "Surge", status: "OPEN" }),
  });
  const queuePath = `/api/v1/queues/${queue.id}`;
  const phases: Phase[] = [];

  process.stdout.write(`creating ${CONSUMERS} guest consumers…\n`);
  const guests: Guest[] = [];
  let address = 0;
  const guestPhase = () =>
    load(fanfare, "guest sessions", "/api/v1/auth/guest", CONSUMERS, {
      method: "POST",
      setupRequest: (request) => ({
        ...request,
        headers: { ...publishable, "x-forwarded-for": addressOf(address++) },
      }),
      onResponse: (status, body) => {
        if (status !== 200 && status !== 201) return;
        const envelope = JSON.parse(body) as Omit<Guest, "consumerId"> & { session: { consumerId: string } };
        guests.push({
          accessToken: envelope.accessToken,
          refreshToken: envelope.refreshToken,
          consumerId: envelope.session.consumerId,
        });
      },
    });
  phases.push(...(await withServerCpu(fanfare, () => [guestPhase()])));

  process.stdout.write(`${guests.length} consumers enter at once; status polling and admission run alongside…\n`);
  let entering = 0;
  let polling = 0;
  let admissionsDone = false;
  const admitted: number[] = [];
  const refusedAdmissions = new Set<number>();
  const admitting = (async () => {
    // The merchant's server admits in batches (a server-side route of the consumer API) while
    // the surge is still arriving.
    while (!admissionsDone) {
      const batch = await fetch(`${fanfare.consumerUrl}${queuePath}/admit`, {
        method: "POST",
        headers: secret,
        body: JSON.stringify({ count: ADMIT_BATCH }),
      });
      if (batch.ok) admitted.push(((await batch.json()) as { data: unknown[] }).data.length);
      else refusedAdmissions.add(batch.status);
      await new Promise((resolve) => setTimeout(resolve, 250));
    }
  })();
  const consumerHeaders = (guest: Guest | undefined) => ({
    ...publishable,
    authorization: `Bearer ${guest?.accessToken}`,
  });
  const together = await withServerCpu(fanfare, () => [
    load(fanfare, "enter (one queue)", `${queuePath}/enter`, guests.length, {
      method: "POST",
      setupRequest: (request) => ({ ...request, headers: consumerHeaders(guests[entering++]) }),
    }),
    load(
      fanfare,
      "status polling (alongside)",
      `${queuePath}/status`,
      guests.length,
      { setupRequest: (request) => ({ ...request, headers: consumerHeaders(guests[polling++ % guests.length]) }) },
      Math.max(1, Math.floor(CONNECTIONS / 4)),
    ),
  ]);
  admissionsDone = true;
  await admitting;
  phases.push(...together);

  process.stdout.write(`${guests.length} consumers rotate their refresh token once…\n`);
  let refreshing = 0;
  let rotations = 0;
  const refreshPhase = () =>
    load(fanfare, "refresh rotations", "/api/v1/auth/refresh", guests.length, {
      method: "POST",
      setupRequest: (request) => {
        const i = refreshing++;
        return {
          ...request,
          headers: { ...publishable, "content-type": "application/json", "x-forwarded-for": addressOf(i) },
          body: JSON.stringify({ refreshToken: guests[i]?.refreshToken }),
        };
      },
      onResponse: (status) => {
        if (status === 200) rotations++;
      },
    });
  phases.push(...(await withServerCpu(fanfare, () => [refreshPhase()])));

  const rows = await entriesOf(fanfare, queue.id);
  const problems = violations(
    rows,
    guests.map((guest) => guest.consumerId),
  );
  if (guests.length !== CONSUMERS) problems.push(`only ${guests.length} of ${CONSUMERS} guest sessions were created`);
  if (rotations !== guests.length) problems.push(`only ${rotations} of ${guests.length} refresh rotations succeeded`);
  if (phases.some((p) => p.serverErrors > 0)) problems.push("some requests answered 5xx");
  if (phases.some((p) => p.dropped > 0)) problems.push("some requests failed or timed out (30 s)");
  if (refusedAdmissions.size > 0) problems.push(`admission batches answered ${[...refusedAdmissions].join(", ")}`);
  return {
    phases,
    entries: rows.length,
    admitted: admitted.reduce((sum, n) => sum + n, 0),
    problems,
  };
}

function tables(setup: string, run: Run): string {
  const [guest, enter, , refresh] = run.phases as [Phase, Phase, Phase, Phase];
  return [
    "| setup | guest sessions/s | enters/s into one queue | enter p99 ms | refresh rotations/s |",
    "|---|---:|---:|---:|---:|",
    `| ${setup} | ${integer(perSecond(guest))} | ${integer(perSecond(enter))} | ${enter.p99} | ${integer(perSecond(refresh))} |`,
    "",
    "| phase | requests | req/s | p50 ms | p99 ms | server CPU µs/request | load generator CPU µs/request | 5xx | failed/timed out (30 s) |",
    "|---|---:|---:|---:|---:|---:|---:|---:|---:|",
    ...run.phases.map(
      (p) =>
        `| ${p.name} | ${p.requests} | ${integer(perSecond(p))} | ${p.p50} | ${p.p99} | ${integer(p.cpuMicrosPerRequest)} | ${integer(p.loadCpuMicrosPerRequest)} | ${p.serverErrors} | ${p.dropped} |`,
    ),
    "",
    `Entries: ${run.entries.toLocaleString("en")}, admitted in batches of ${ADMIT_BATCH} meanwhile: ${run.admitted.toLocaleString("en")}.`,
  ].join("\n");
}

function report(setup: string, run: Run, physical: Figure[]): string {
  const date = new Date().toISOString().slice(0, 10);
  const command = ["npm run surge --", ...process.argv.slice(2)].join(" ");
  return `${date}: ${CONSUMERS.toLocaleString("en")} consumers, ${CONNECTIONS} connections, \`${command}\`.
Machine: ${cpus().length} × ${cpus()[0]?.model ?? "cpu"}, ${Math.round(totalmem() / 2 ** 30)} GiB; Node ${process.version}.

${tables(setup, run)}

${physicalTable(physical)}
`;
}

async function main(): Promise<void> {
  const postgresUrl = options.db === "postgres" ? POSTGRES_URL : undefined;
  process.stdout.write(`measuring the machine's physical figures (${PHYSICAL_SECONDS} s each)…\n`);
  const physical = await measurePhysical({ postgresUrl, seconds: PHYSICAL_SECONDS });
  if (options["physical-only"]) {
    process.stdout.write(`\n${physicalTable(physical)}\n`);
    return;
  }

  const setup = `${options.db === "postgres" ? "PostgreSQL" : "SQLite"}${options.redis ? " + Redis" : ""}, ${PROCESSES} process${PROCESSES > 1 ? "es" : ""}${WORKERS > 1 ? `, ${WORKERS} workers` : ""}`;
  const fanfare = await startFanfare({
    db: options.db as string,
    redis: options.redis,
    build: !options["skip-build"],
    processes: PROCESSES,
    serveArgs: WORKERS > 1 ? ["--workers", String(WORKERS)] : [],
    nodeArgs: options["cpu-prof"] ? ["--cpu-prof", `--cpu-prof-dir=${resolve(options["cpu-prof"])}`] : [],
  });
  let run: Run;
  try {
    run = await surge(fanfare);
  } finally {
    await fanfare.stop();
  }

  process.stdout.write(`\n${tables(setup, run)}\n\n${physicalTable(physical)}\n\n`);
  if (run.problems.length > 0) {
    process.stdout.write(`FAILED:\n${run.problems.map((problem) => `  - ${problem}`).join("\n")}\n`);
    process.exitCode = 1;
    return;
  }
  process.stdout.write(
    "all checks passed: one entry each, gap-free arrival numbers, admission in order, every rotation, no 5xx\n",
  );
  if (!options["no-report"]) {
    writeSurgeBlock(resolve(ROOT, "docs/BENCHMARKS.md"), setup, report(setup, run, physical));
    process.stdout.write(`written to docs/BENCHMARKS.md, section "Drop surge", ${setup}\n`);
  }
}

await main();
