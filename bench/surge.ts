/**
 * `npm run surge`: a drop in miniature. Creates distinct guest consumers, then all of them enter
 * one queue at once while others poll their status and the merchant admits in batches, then each
 * rotates its refresh token once. Checks afterwards that every consumer holds exactly one entry,
 * arrival numbers are unique and gap-free, admission followed arrival order, every rotation
 * succeeded and nothing answered 5xx; exits 1 if not. Prints the run next to the machine's
 * physical figures and keeps the latest run per setup in docs/BENCHMARKS.md.
 *
 * With several processes each shopper's access token goes to a process other than the one that
 * issued it, as behind a round-robin load balancer (token-dealer.ts).
 *
 *   npm run surge -- [--consumers 20000] [--connections 200] [--db sqlite|postgres] [--redis]
 *                    [--processes 1] [--workers 1] [--physical-seconds 3] [--physical-only] [--no-report] [--skip-build]
 *                    [--cpu-prof DIR]   (each server writes a V8 CPU profile there when it stops)
 *                    [--cpu-quota Q]    (each server process in its own cgroup, held to Q cores; root only)
 *                    [--scaling]        (runs 1, 2 … --processes processes in turn and compares them)
 *                    [--warm-up 0]      (shoppers run through a queue of their own first, not measured)
 *                    [--per-process]    (--consumers, --warm-up and --connections are each process's: N
 *                                        processes get N times the load, so that each is as busy as one alone)
 *                    [--admit-batch 500] (the merchant admits this many every 250 ms during the arrivals; 0: none)
 */
import { cpus, totalmem } from "node:os";
import { resolve } from "node:path";
import { parseArgs } from "node:util";
import type autocannon from "autocannon";
import { type ArrivalBatches, arrivalBatches } from "./arrival-batches.js";
import { type CpuHierarchy, cpuHierarchy, createQuotaGroup, type QuotaGroup } from "./cpu-quota.js";
import { addressOf, type Fanfare, json, POSTGRES_URL, ROOT, startFanfare, withChildren } from "./harness.js";
import { type Figure, measurePhysical, physicalTable } from "./physical.js";
import { entriesOf, violations } from "./surge-checks.js";
import { type Load, load, type Periods, type Phase, type Stream, withServerCpu } from "./surge-load.js";
import { writeSurgeBlock } from "./surge-report.js";
import { type ScalingRow, scalingTable } from "./surge-scaling.js";
import { dealToOthers } from "./token-dealer.js";

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
    "cpu-quota": { type: "string" },
    scaling: { type: "boolean", default: false },
    "warm-up": { type: "string", default: "0" },
    "per-process": { type: "boolean", default: false },
    "admit-batch": { type: "string", default: "500" },
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

/** A count that may also be 0 ("none"). */
const countOrNone = (name: string, text: string) => (text === "0" ? 0 : positiveNumber(name, text, true));

const CONSUMERS = positiveNumber("consumers", options.consumers, true);
const CONNECTIONS = positiveNumber("connections", options.connections, true);
const PROCESSES = positiveNumber("processes", options.processes, true);
const WORKERS = positiveNumber("workers", options.workers, true);
const PHYSICAL_SECONDS = positiveNumber("physical-seconds", options["physical-seconds"], false);
const CPU_QUOTA =
  options["cpu-quota"] === undefined ? undefined : positiveNumber("cpu-quota", options["cpu-quota"], false);
const WARM_UP = countOrNone("warm-up", options["warm-up"]);
const ADMIT_BATCH = countOrNone("admit-batch", options["admit-batch"]);
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
if (options.scaling && PROCESSES < 2)
  refuse("--scaling runs 1, 2 … N processes in turn: give --processes N (2 or more)");
/** Where the quota groups go; checked (a group made and removed) before anything is built or started. */
const hierarchy = CPU_QUOTA === undefined ? undefined : quotaHierarchy(CPU_QUOTA);

function quotaHierarchy(cores: number): CpuHierarchy {
  const found = cpuHierarchy();
  if (typeof found === "string") refuse(`--cpu-quota ${cores}: ${found}; refusing to run without the quota`);
  try {
    createQuotaGroup(found, `fanfare-surge-${process.pid}-probe`, cores).remove();
  } catch (err) {
    refuse(
      `--cpu-quota ${cores}: cannot set up a cgroup in ${found.mount} (${(err as Error).message}); refusing to run without the quota`,
    );
  }
  return found;
}

const perSecond = (phase: Phase) => phase.requests / phase.seconds;
const integer = (value: number) => Math.round(value).toLocaleString("en");

interface Guest {
  accessToken: string;
  refreshToken: string;
  consumerId: string;
  /** The client address it came from (X-Forwarded-For), kept for its refresh. */
  address: string;
}

interface Run {
  phases: Phase[];
  /** The group commits of the arrivals (the enter phase only). */
  batches: ArrivalBatches;
  entries: number;
  admitted: number;
  problems: string[];
}

/** Shoppers' addresses run on across the warm-up and the measured surge: every session its own. */
let nextAddress = 0;

/** `amount` split as evenly as it goes over `parts`: the share of part `p`. */
const shareOf = (amount: number, parts: number, p: number) => Math.floor(amount / parts) + (p < amount % parts ? 1 : 0);

/** One stream per process, one request for each of its shoppers, `request(guest)` building it. */
function perProcess(dealt: Guest[][], request: (guest: Guest | undefined) => autocannon.Request): Stream[] {
  return dealt.map((shoppers) => {
    let next = 0;
    return {
      amount: shoppers.length,
      // The shopper-less request is the template (method, onResponse); each send gets its shopper's.
      request: {
        ...request(undefined),
        setupRequest: (base) => ({ ...base, ...request(shoppers[next++]) }),
      },
    };
  });
}

async function surge(
  fanfare: Fanfare,
  periods: Periods | undefined,
  size: { shoppers: number; connections: number },
  name: string,
): Promise<Run> {
  const { shoppers, connections } = size;
  const { adminUrl, keys } = fanfare;
  const processes = fanfare.servers.length;
  const secret = { authorization: `Bearer ${keys.secretLive}`, "content-type": "application/json" };
  const publishable = { "x-publishable-key": keys.publishableLive };
  const experience = await json<{ id: string }>(`${adminUrl}/api/v1/experiences`, {
    method: "POST",
    headers: secret,
    body: JSON.stringify({ name: `${name} drop` }),
  });
  const queue = await json<{ id: string }>(`${adminUrl}/api/v1/experiences/${experience.id}/queues`, {
    method: "POST",
    headers: secret,
    body: JSON.stringify({ name, status: "OPEN" }),
  });
  const queuePath = `/api/v1/queues/${queue.id}`;
  const phases: Phase[] = [];

  process.stdout.write(`${name}: creating ${shoppers} guest consumers…\n`);
  // Who issued each token: every process creates its share of the sessions.
  const issued: Guest[][] = fanfare.servers.map(() => []);
  const guestStreams: Stream[] = issued.map((mine, p) => ({
    amount: shareOf(shoppers, processes, p),
    request: {
      method: "POST",
      setupRequest: (request, context) => {
        const address = addressOf(nextAddress++);
        // autocannon keeps one context per connection, so the response finds its request's address.
        (context as { address: string }).address = address;
        return { ...request, headers: { ...publishable, "x-forwarded-for": address } };
      },
      onResponse: (status, body, context) => {
        if (status !== 200 && status !== 201) return;
        const envelope = JSON.parse(body) as Omit<Guest, "consumerId" | "address"> & {
          session: { consumerId: string };
        };
        mine.push({
          accessToken: envelope.accessToken,
          refreshToken: envelope.refreshToken,
          consumerId: envelope.session.consumerId,
          address: (context as { address: string }).address,
        });
      },
    },
  }));
  phases.push(
    ...(await withServerCpu(
      fanfare,
      () => [load(fanfare, "guest sessions", "/api/v1/auth/guest", guestStreams, connections)],
      periods,
    )),
  );
  const dealt = dealToOthers(issued);
  const guests = dealt.flat();

  process.stdout.write(
    `${name}: ${guests.length} consumers enter at once; status polling and admission run alongside…\n`,
  );
  let admissionsDone = false;
  const admitted: number[] = [];
  const refusedAdmissions = new Set<number>();
  const admitting = (async () => {
    // The merchant's server admits in batches (a server-side route of the consumer API) while
    // the surge is still arriving, each batch through the next process as a load balancer would.
    for (let turn = 0; !admissionsDone && ADMIT_BATCH > 0; turn++) {
      const batch = await fetch(`${fanfare.consumerUrls[turn % processes]}${queuePath}/admit`, {
        method: "POST",
        headers: secret,
        body: JSON.stringify({ count: ADMIT_BATCH }),
      });
      if (batch.ok) admitted.push(((await batch.json()) as { data: unknown[] }).data.length);
      else refusedAdmissions.add(batch.status);
      await new Promise((resolve) => setTimeout(resolve, 250));
    }
  })();
  const asConsumer = (method: string) => (guest: Guest | undefined) => ({
    method: method as autocannon.Request["method"],
    headers: { ...publishable, authorization: `Bearer ${guest?.accessToken}` },
  });
  const entering = (): Promise<Load>[] => [
    load(fanfare, "enter (one queue)", `${queuePath}/enter`, perProcess(dealt, asConsumer("POST")), connections),
    load(
      fanfare,
      "status polling (alongside)",
      `${queuePath}/status`,
      perProcess(dealt, asConsumer("GET")),
      Math.max(1, Math.floor(connections / 4)),
    ),
  ];
  const batchesBefore = await arrivalBatches(fanfare);
  const together = await withServerCpu(fanfare, entering, periods);
  const batchesAfter = await arrivalBatches(fanfare);
  admissionsDone = true;
  await admitting;
  phases.push(...together);

  process.stdout.write(`${name}: ${guests.length} consumers rotate their refresh token once…\n`);
  let rotations = 0;
  const refreshStreams = perProcess(dealt, (guest) => ({
    method: "POST",
    headers: { ...publishable, "content-type": "application/json", "x-forwarded-for": guest?.address ?? "" },
    body: JSON.stringify({ refreshToken: guest?.refreshToken }),
    onResponse: (status) => {
      if (status === 200) rotations++;
    },
  }));
  phases.push(
    ...(await withServerCpu(
      fanfare,
      () => [load(fanfare, "refresh rotations", "/api/v1/auth/refresh", refreshStreams, connections)],
      periods,
    )),
  );

  const rows = await entriesOf(fanfare, queue.id);
  const problems = violations(
    rows,
    guests.map((guest) => guest.consumerId),
  );
  if (guests.length !== shoppers) problems.push(`only ${guests.length} of ${shoppers} guest sessions were created`);
  if (rotations !== guests.length) problems.push(`only ${rotations} of ${guests.length} refresh rotations succeeded`);
  if (phases.some((p) => p.serverErrors > 0)) problems.push("some requests answered 5xx");
  if (phases.some((p) => p.dropped > 0)) problems.push("some requests failed or timed out (30 s)");
  if (refusedAdmissions.size > 0) problems.push(`admission batches answered ${[...refusedAdmissions].join(", ")}`);
  return {
    phases,
    batches: {
      commits: batchesAfter.commits - batchesBefore.commits,
      arrivals: batchesAfter.arrivals - batchesBefore.arrivals,
    },
    entries: rows.length,
    admitted: admitted.reduce((sum, n) => sum + n, 0),
    problems: problems.map((problem) => `${name}: ${problem}`),
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
    `Entries: ${run.entries.toLocaleString("en")}, written in ${integer(run.batches.commits)} group commits (${(run.batches.arrivals / run.batches.commits).toFixed(1)} arrivals each on average, all processes); admitted in batches of ${ADMIT_BATCH} meanwhile: ${run.admitted.toLocaleString("en")}.`,
  ].join("\n");
}

function report(body: string, physical: Figure[]): string {
  const date = new Date().toISOString().slice(0, 10);
  const command = ["npm run surge --", ...process.argv.slice(2)].join(" ");
  const each = options["per-process"] ? " per process" : "";
  return `${date}: ${CONSUMERS.toLocaleString("en")} consumers${each}${WARM_UP > 0 ? ` after ${WARM_UP.toLocaleString("en")}${each} to warm up` : ""}, ${CONNECTIONS} connections${each}, \`${command}\`.
Machine: ${cpus().length} × ${cpus()[0]?.model ?? "cpu"}, ${Math.round(totalmem() / 2 ** 30)} GiB; Node ${process.version}.

${body}

${physicalTable(physical)}
`;
}

const storage = `${options.db === "postgres" ? "PostgreSQL" : "SQLite"}${options.redis ? " + Redis" : ""}`;
const quotaNote = CPU_QUOTA === undefined ? "" : `, ${CPU_QUOTA} CPU each`;
const setupOf = (processes: number) =>
  `${storage}, ${processes} process${processes > 1 ? "es" : ""}${WORKERS > 1 ? `, ${WORKERS} workers` : ""}${quotaNote}`;

/** Starts `processes` servers (each in its quota group with --cpu-quota), warms up, runs the surge, stops. */
async function measure(processes: number, build: boolean): Promise<Run> {
  const profiles = options["cpu-prof"] && resolve(options["cpu-prof"], options.scaling ? `${processes}-processes` : "");
  const fanfare = await startFanfare({
    db: options.db as string,
    redis: options.redis,
    build,
    processes,
    serveArgs: WORKERS > 1 ? ["--workers", String(WORKERS)] : [],
    nodeArgs: profiles ? ["--cpu-prof", `--cpu-prof-dir=${profiles}`] : [],
  });
  const groups: QuotaGroup[] = [];
  try {
    if (hierarchy && CPU_QUOTA !== undefined) {
      fanfare.servers.forEach((server, i) => {
        const group = createQuotaGroup(hierarchy, `fanfare-surge-${process.pid}-${i}`, CPU_QUOTA);
        groups.push(group);
        // Its workers too, when `serve --workers` started any: one host's share for the whole server.
        for (const pid of withChildren([server.child.pid])) group.add(pid);
      });
    }
    const periods: Periods | undefined =
      groups.length === 0
        ? undefined
        : () =>
            groups
              .map((group) => group.periods())
              .reduce((sum, each) => ({ total: sum.total + each.total, throttled: sum.throttled + each.throttled }));
    // With --per-process, each process is as busy as one alone: what scaling compares.
    const share = options["per-process"] ? processes : 1;
    const connections = CONNECTIONS * share;
    const warmUp =
      WARM_UP > 0 ? await surge(fanfare, periods, { shoppers: WARM_UP * share, connections }, "Warm-up") : undefined;
    const run = await surge(fanfare, periods, { shoppers: CONSUMERS * share, connections }, "Surge");
    return { ...run, problems: [...(warmUp?.problems ?? []), ...run.problems] };
  } finally {
    await fanfare.stop();
    for (const group of groups) group.remove();
  }
}

async function main(): Promise<void> {
  const postgresUrl = options.db === "postgres" ? POSTGRES_URL : undefined;
  process.stdout.write(`measuring the machine's physical figures (${PHYSICAL_SECONDS} s each)…\n`);
  const physical = await measurePhysical({ postgresUrl, seconds: PHYSICAL_SECONDS });
  if (options["physical-only"]) {
    process.stdout.write(`\n${physicalTable(physical)}\n`);
    return;
  }

  const counts = options.scaling ? Array.from({ length: PROCESSES }, (_, i) => i + 1) : [PROCESSES];
  const runs: { processes: number; run: Run }[] = [];
  for (const processes of counts) {
    // One build serves every run.
    const run = await measure(processes, !options["skip-build"] && runs.length === 0);
    process.stdout.write(`\n${tables(setupOf(processes), run)}\n\n`);
    runs.push({ processes, run });
  }
  const scaling = options.scaling
    ? scalingTable(
        runs.map(({ processes, run }): ScalingRow => {
          const [guest, enter] = run.phases as [Phase, Phase];
          return { processes, guest, enter, batches: run.batches };
        }),
        CPU_QUOTA,
      )
    : undefined;
  process.stdout.write(`${scaling ? `${scaling}\n\n` : ""}${physicalTable(physical)}\n\n`);
  const problems = runs.flatMap(({ processes, run }) =>
    run.problems.map((problem) => `${setupOf(processes)}: ${problem}`),
  );
  if (problems.length > 0) {
    process.stdout.write(`FAILED:\n${problems.map((problem) => `  - ${problem}`).join("\n")}\n`);
    process.exitCode = 1;
    return;
  }
  process.stdout.write(
    "all checks passed: one entry each, gap-free arrival numbers, admission in order, every rotation, no 5xx\n",
  );
  if (options["no-report"]) return;
  const title = scaling ? `${storage}, 1–${PROCESSES} processes${quotaNote} (scaling)` : setupOf(PROCESSES);
  const body = scaling
    ? [
        scaling,
        ...runs.map(
          ({ processes, run }) =>
            `${processes} process${processes > 1 ? "es" : ""}:\n\n${tables(setupOf(processes), run)}`,
        ),
      ].join("\n\n")
    : tables(title, (runs[0] as { run: Run }).run);
  writeSurgeBlock(resolve(ROOT, "docs/BENCHMARKS.md"), title, report(body, physical));
  process.stdout.write(`written to docs/BENCHMARKS.md, section "Drop surge", ${title}\n`);
}

await main();
