/**
 * What this machine can do at all, measured next to a surge so the distance to its limits shows:
 * Ed25519 signatures on one core, SQLite commits one at a time and batched, and PostgreSQL
 * commits from 50 clients with and without one shared row updated in every transaction.
 */
import { generateKeyPairSync, sign } from "node:crypto";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import Database from "better-sqlite3";
import pg from "pg";

export interface Figure {
  name: string;
  perSecond: number;
}

const SQLITE_BATCH = 1_000;
const POSTGRES_CLIENTS = 50;

/** Runs `step` back to back for `seconds` and returns how many times per second it ran. */
function rateOf(seconds: number, step: () => void): number {
  const start = performance.now();
  const end = start + seconds * 1000;
  let count = 0;
  while (performance.now() < end) {
    step();
    count++;
  }
  return count / ((performance.now() - start) / 1000);
}

/** A token-sized payload signed the way the server signs access tokens (node:crypto, Ed25519). */
function ed25519SignsPerSecond(seconds: number): number {
  const { privateKey } = generateKeyPairSync("ed25519");
  const payload = Buffer.from(`eyJhbGciOiJFZERTQSJ9.${"x".repeat(300)}`);
  return rateOf(seconds, () => sign(null, payload, privateKey));
}

/** A scratch database with the server's pragmas (packages/server/src/db/database.ts). */
function sqliteFigures(seconds: number): Figure[] {
  const dir = mkdtempSync(join(tmpdir(), "fanfare-physical-"));
  const db = new Database(join(dir, "scratch.db"));
  try {
    db.pragma("journal_mode = WAL");
    db.pragma("foreign_keys = ON");
    db.pragma("synchronous = NORMAL");
    db.pragma("busy_timeout = 5000");
    db.exec(
      "create table entries (id integer primary key, queue_id text not null, consumer_id text not null, seq integer not null)",
    );
    const insert = db.prepare("insert into entries (queue_id, consumer_id, seq) values (?, ?, ?)");
    let seq = 0;
    const insertOne = () => insert.run("queue_01", `cons_${seq}`, ++seq);
    const one = rateOf(seconds, insertOne);
    const batch = db.transaction(() => {
      for (let i = 0; i < SQLITE_BATCH; i++) insertOne();
    });
    const batched = rateOf(seconds, batch) * SQLITE_BATCH;
    return [
      { name: "SQLite single-row insert commits/s, one at a time", perSecond: one },
      { name: `SQLite rows/s, batched (${SQLITE_BATCH.toLocaleString("en")} per transaction)`, perSecond: batched },
    ];
  } finally {
    db.close();
    rmSync(dir, { recursive: true, force: true });
  }
}

/** Every client runs `transaction` back to back until the time is up; returns commits per second. */
async function concurrentCommits(
  clients: pg.Client[],
  seconds: number,
  transaction: (client: pg.Client) => Promise<void>,
): Promise<number> {
  const start = performance.now();
  const end = start + seconds * 1000;
  let commits = 0;
  await Promise.all(
    clients.map(async (client) => {
      while (performance.now() < end) {
        await transaction(client);
        commits++;
      }
    }),
  );
  return commits / ((performance.now() - start) / 1000);
}

/**
 * pgbench-style, one statement per round trip, in a scratch schema dropped afterwards. The hot
 * row is today's queue design: the row's lock is held from the update across the commit's flush.
 */
async function postgresFigures(url: string, seconds: number): Promise<Figure[]> {
  const schema = `physical_${Date.now()}`;
  const admin = new pg.Client({ connectionString: url });
  await admin.connect();
  const clients: pg.Client[] = [];
  try {
    await admin.query(`create schema ${schema}`);
    await admin.query(
      `create table ${schema}.entries (id bigserial primary key, queue_id text not null, consumer_id text not null)`,
    );
    await admin.query(`create table ${schema}.queues (id int primary key, last_seq bigint not null)`);
    await admin.query(`insert into ${schema}.queues values (1, 0)`);
    const scoped = new URL(url);
    scoped.searchParams.set("options", `-c search_path=${schema}`);
    for (let i = 0; i < POSTGRES_CLIENTS; i++) {
      const client = new pg.Client({ connectionString: scoped.toString() });
      clients.push(client);
      await client.connect();
    }
    const insert = "insert into entries (queue_id, consumer_id) values ('queue_01', 'cons_01')";
    const independent = await concurrentCommits(clients, seconds, async (client) => {
      await client.query(insert);
    });
    const hotRow = await concurrentCommits(clients, seconds, async (client) => {
      await client.query("begin");
      await client.query("update queues set last_seq = last_seq + 1 where id = 1");
      await client.query(insert);
      await client.query("commit");
    });
    const { rows } = await admin.query<{ synchronous_commit: string }>("show synchronous_commit");
    const durability = `synchronous_commit ${rows[0]?.synchronous_commit}`;
    return [
      {
        name: `PostgreSQL single-row insert commits/s, ${POSTGRES_CLIENTS} clients, no hot row (${durability})`,
        perSecond: independent,
      },
      {
        name: `PostgreSQL commits/s, ${POSTGRES_CLIENTS} clients, each also updating one shared row (hot row)`,
        perSecond: hotRow,
      },
    ];
  } finally {
    await Promise.all(clients.map((client) => client.end()));
    await admin.query(`drop schema if exists ${schema} cascade`);
    await admin.end();
  }
}

/** Each figure runs for `seconds`; PostgreSQL only when a URL is given. */
export async function measurePhysical(options: {
  postgresUrl: string | undefined;
  seconds: number;
}): Promise<Figure[]> {
  const figures: Figure[] = [
    { name: "Ed25519 signs/s, one core (node:crypto)", perSecond: ed25519SignsPerSecond(options.seconds) },
    ...sqliteFigures(options.seconds),
  ];
  if (options.postgresUrl) figures.push(...(await postgresFigures(options.postgresUrl, options.seconds)));
  return figures;
}

export function physicalTable(figures: Figure[]): string {
  return [
    "| physical figure (same run) | per second |",
    "|---|---:|",
    ...figures.map((figure) => `| ${figure.name} | ${Math.round(figure.perSecond).toLocaleString("en")} |`),
  ].join("\n");
}
