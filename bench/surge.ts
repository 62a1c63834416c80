/**
 * `npm run surge`: a drop in miniature. Creates distinct guest consumers, then all of them enter
 * one queue at once while others poll their status and the merchant admits in batches. Checks
 * afterwards that every consumer holds exactly one entry, arrival numbers are unique and
 * gap-free, admission followed arrival order and nothing answered 5xx; exits 1 if not.
 *
 *   npm run surge -- [--consumers 50000] [--connections 200] [--db sqlite|postgres] [--redis] [--skip-build]
 */
import { join } from "node:path";
import { parseArgs } from "node:util";
import autocannon from "autocannon";
import Database from "better-sqlite3";
import pg from "pg";
import { addressOf, type Fanfare, json, startFanfare } from "./harness.js";

const { values: options } = parseArgs({
  options: {
    consumers: { type: "string", default: "50000" },
    connections: { type: "string", default: "200" },
    db: { type: "string", default: "sqlite" },
    redis: { type: "boolean", default: false },
    // The CI variant runs after `npm ci` has built everything.
    "skip-build": { type: "boolean", default: false },
  },
});
const CONSUMERS = Number(options.consumers);
const CONNECTIONS = Number(options.connections);
const ADMIT_BATCH = 500;

interface Phase {
  name: string;
  requests: number;
  seconds: number;
  p99: number;
  serverErrors: number;
  /** Connection errors and client timeouts: the load generator gave up, the server may still have answered. */
  dropped: number;
}

/** Fires `amount` requests and counts 5xx, failures and timeouts apart from other refusals. */
async function phase(
  name: string,
  url: string,
  amount: number,
  request: autocannon.Request,
  connections = CONNECTIONS,
): Promise<Phase> {
  const result = await autocannon({ url, connections, amount, timeout: 30, requests: [request] });
  return {
    name,
    requests: result.requests.total,
    seconds: result.duration,
    p99: result.latency.p99,
    serverErrors: result["5xx"],
    dropped: result.errors + result.timeouts,
  };
}

interface EntryRow {
  consumer_id: string;
  seq: number;
  status: string;
}

async function entriesOf(fanfare: Fanfare, queueId: string): Promise<EntryRow[]> {
  const query = "select consumer_id, seq, status from queue_entries where queue_id = $1 order by seq";
  if (fanfare.databaseUrl) {
    const client = new pg.Client({ connectionString: fanfare.databaseUrl });
    await client.connect();
    const { rows } = await client.query<EntryRow>(query, [queueId]);
    await client.end();
    return rows.map((row) => ({ ...row, seq: Number(row.seq) }));
  }
  const db = new Database(join(fanfare.dataDir, "fanfare.db"), { readonly: true });
  const rows = db.prepare(query.replace("$1", "?")).all(queueId) as EntryRow[];
  db.close();
  return rows;
}

/** Every invariant of a fair queue, as a list of the ones that failed. */
function violations(rows: EntryRow[], consumers: string[]): string[] {
  const problems: string[] = [];
  const byConsumer = new Map<string, number>();
  for (const row of rows) byConsumer.set(row.consumer_id, (byConsumer.get(row.consumer_id) ?? 0) + 1);
  const missing = consumers.filter((id) => !byConsumer.has(id)).length;
  const doubled = [...byConsumer.values()].filter((count) => count > 1).length;
  if (missing > 0) problems.push(`${missing} consumers have no entry`);
  if (doubled > 0) problems.push(`${doubled} consumers have more than one entry`);
  if (rows.some((row, i) => row.seq !== i + 1)) problems.push("arrival numbers are not 1..n without gaps");
  const admitted = rows.filter((row) => row.status !== "QUEUED").length;
  if (rows.slice(0, admitted).some((row) => row.status === "QUEUED")) {
    problems.push("someone was admitted ahead of an earlier arrival");
  }
  return problems;
}

async function main(): Promise<void> {
  const fanfare = await startFanfare({ db: options.db, redis: options.redis, build: !options["skip-build"] });
  const { consumerUrl, adminUrl, keys } = fanfare;
  const secret = { authorization: `Bearer ${keys.secretLive}`, "content-type": "application/json" };
  const publishable = { "x-publishable-key": keys.publishableLive };
  let failed = false;
  try {
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
    const queueUrl = `${consumerUrl}/api/v1/queues/${queue.id}`;
    const phases: Phase[] = [];

    process.stdout.write(`creating ${CONSUMERS} guest consumers…\n`);
    const guests: { token: string; consumerId: string }[] = [];
    let address = 0;
    phases.push(
      await phase("guest sessions", `${consumerUrl}/api/v1/auth/guest`, CONSUMERS, {
        method: "POST",
        setupRequest: (request) => ({
          ...request,
          headers: { ...publishable, "x-forwarded-for": addressOf(address++) },
        }),
        onResponse: (status, body) => {
          if (status !== 200 && status !== 201) return;
          const envelope = JSON.parse(body) as { accessToken: string; session: { consumerId: string } };
          guests.push({ token: envelope.accessToken, consumerId: envelope.session.consumerId });
        },
      }),
    );

    process.stdout.write(`${guests.length} consumers enter at once; status polling and admission run alongside…\n`);
    let entering = 0;
    let polling = 0;
    let admissionsDone = false;
    const admitted: number[] = [];
    const admitting = (async () => {
      // The merchant admits in batches while the surge is still arriving.
      while (!admissionsDone) {
        const batch = await fetch(`${queueUrl}/admit`, {
          method: "POST",
          headers: secret,
          body: JSON.stringify({ count: ADMIT_BATCH }),
        });
        if (batch.status >= 500) admitted.push(-1);
        else if (batch.ok) admitted.push(((await batch.json()) as { data: unknown[] }).data.length);
        await new Promise((resolve) => setTimeout(resolve, 250));
      }
    })();
    const [enter, status] = await Promise.all([
      phase("enter", `${queueUrl}/enter`, guests.length, {
        method: "POST",
        setupRequest: (request) => ({
          ...request,
          headers: { ...publishable, authorization: `Bearer ${guests[entering++]?.token}` },
        }),
      }),
      phase(
        "status polling",
        `${queueUrl}/status`,
        guests.length,
        {
          setupRequest: (request) => ({
            ...request,
            headers: { ...publishable, authorization: `Bearer ${guests[polling++ % guests.length]?.token}` },
          }),
        },
        Math.max(1, Math.floor(CONNECTIONS / 4)),
      ),
    ]);
    admissionsDone = true;
    await admitting;
    phases.push(enter, status);

    const rows = await entriesOf(fanfare, queue.id);
    const problems = violations(
      rows,
      guests.map((guest) => guest.consumerId),
    );
    if (guests.length !== CONSUMERS) problems.push(`only ${guests.length} of ${CONSUMERS} guest sessions were created`);
    if (phases.some((p) => p.serverErrors > 0)) problems.push("some requests answered 5xx");
    if (phases.some((p) => p.dropped > 0)) problems.push("some requests failed or timed out (30 s)");
    if (admitted.includes(-1)) problems.push("an admission batch answered 5xx");

    const table = [
      "| phase | requests | req/s | p99 ms | 5xx | failed/timed out |",
      "|---|---:|---:|---:|---:|---:|",
      ...phases.map(
        (p) =>
          `| ${p.name} | ${p.requests} | ${Math.round(p.requests / p.seconds)} | ${p.p99} | ${p.serverErrors} | ${p.dropped} |`,
      ),
    ].join("\n");
    const total = admitted.filter((n) => n > 0).reduce((sum, n) => sum + n, 0);
    process.stdout.write(`\n${table}\n\nentries: ${rows.length}, admitted in batches: ${total}\n`);
    if (problems.length > 0) {
      failed = true;
      process.stdout.write(`FAILED:\n${problems.map((problem) => `  - ${problem}`).join("\n")}\n`);
    } else {
      process.stdout.write("all checks passed: one entry each, gap-free arrival numbers, admission in order, no 5xx\n");
    }
  } finally {
    await fanfare.stop();
  }
  process.exitCode = failed ? 1 : 0;
}

await main();
