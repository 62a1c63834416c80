/** What `npm run surge` checks afterwards, read straight from the database every process wrote to. */
import { join } from "node:path";
import Database from "better-sqlite3";
import pg from "pg";
import type { Fanfare } from "./harness.js";

export interface EntryRow {
  consumer_id: string;
  seq: number;
  status: string;
}

export async function entriesOf(fanfare: Fanfare, queueId: string): Promise<EntryRow[]> {
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
export function violations(rows: EntryRow[], consumers: string[]): string[] {
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
