import { type Expression, type Insertable, type RawBuilder, sql, type Transaction } from "kysely";
import type { DialectName } from "./database.js";
import type { Database } from "./schema.js";

/**
 * Batches travel as one JSON parameter, so a statement has one text whatever the batch size:
 * PostgreSQL prepares it once (a text per size would crowd the named-statement cap, see
 * `database.ts`), and no dialect's limit on bound parameters is ever reached.
 */

/** A subquery yielding each string of `values`, for `column in (…)`. */
export function jsonValues(dialect: DialectName, values: readonly string[]): RawBuilder<string> {
  const json = JSON.stringify(values);
  return dialect === "postgres"
    ? sql<string>`(select json_array_elements_text(${json}::json))`
    : sql<string>`(select value from json_each(${json}))`;
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
