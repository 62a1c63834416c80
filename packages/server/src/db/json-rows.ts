import {
  type Compilable,
  type Expression,
  type Insertable,
  type Kysely,
  type RawBuilder,
  type SqlBool,
  sql,
  type Transaction,
} from "kysely";
import type { DialectName } from "./database.js";
import type { Database } from "./schema.js";

/**
 * Batches travel as one JSON parameter, so a statement has one text whatever the batch size:
 * PostgreSQL prepares it once (a text per size would crowd the named-statement cap, see
 * `database.ts`), and no dialect's limit on bound parameters is ever reached.
 */

/**
 * `column` is one of `values`, driven by the list: PostgreSQL gets an array (`= any`, which uses
 * the index; a set-returning function there was planned as a scan of the whole table), SQLite a
 * JSON array it walks with `json_each`.
 */
export function isOneOf(dialect: DialectName, column: string, values: readonly string[]): RawBuilder<SqlBool> {
  return dialect === "postgres"
    ? sql<SqlBool>`${sql.ref(column)} = any(${[...values]}::text[])`
    : sql<SqlBool>`${sql.ref(column)} in (select value from json_each(${JSON.stringify(values)}))`;
}

/** Inserts `rows` (all with the same columns) in one statement. */
export async function insertJsonRows<T extends keyof Database & string>(
  trx: Transaction<Database>,
  dialect: DialectName,
  table: T,
  rows: readonly Insertable<Database[T]>[],
): Promise<void> {
  const first = rows[0];
  if (!first) return;
  const columns = Object.keys(first);
  const json = JSON.stringify(rows);
  const target = sql.join(columns.map((column) => sql.ref(column)));
  // PostgreSQL casts each field to its column's type through the table's own row type.
  const source: Expression<unknown> =
    dialect === "postgres"
      ? sql`select ${target} from json_populate_recordset(null::${sql.table(table)}, ${json}::json)`
      : sql`select ${sql.join(columns.map((column) => sql`value ->> ${sql.lit(column)}`))} from json_each(${json})`;
  await sql`insert into ${sql.table(table)} (${target}) ${source}`.execute(trx);
}

/**
 * The rows a select gives for each of `values` in `column`, read as one index lookup per value.
 * `select` receives the filter to add. During a drop a table grows faster than its statistics:
 * PostgreSQL, given the list as a filter, planned a scan of every row of the organization, so
 * there the list drives a nested loop (`offset 0` keeps the planner from flattening it); SQLite
 * walks the JSON list.
 */
export async function selectForEach<R>(
  executor: Kysely<Database> | Transaction<Database>,
  dialect: DialectName,
  column: string,
  values: readonly string[],
  select: (filter: RawBuilder<SqlBool>) => Compilable<R> & { execute(): Promise<R[]> },
): Promise<R[]> {
  if (dialect === "sqlite") return select(isOneOf(dialect, column, values)).execute();
  const { rows } = await sql<R>`select found.* from unnest(${[...values]}::text[]) as wanted(id)
    cross join lateral (${select(sql<SqlBool>`${sql.ref(column)} = wanted.id`)} offset 0) as found`.execute(executor);
  return rows;
}
