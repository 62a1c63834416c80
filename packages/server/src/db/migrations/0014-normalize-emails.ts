import type { Kysely } from "kysely";
import { normalizeEmail } from "../../lib/email.js";

type Row = Record<string, string | null>;
type AnyTables = Record<string, Row>;

interface EmailColumn {
  table: string;
  column: string;
  /** Identifies a row for the update and in the report; never the email itself there. */
  key: string[];
  /** The columns within which an email is unique; absent where an address may repeat. */
  uniqueWithin?: string[];
  /** Tables holding phones too keep emails on the `email` channel only. */
  emailChannelOnly?: boolean;
}

const EMAIL_COLUMNS: EmailColumn[] = [
  { table: "consumers", column: "email", key: ["id"], uniqueWithin: ["organization_id", "mode"] },
  { table: "external_identities", column: "email", key: ["organization_id", "mode", "provider", "issuer", "subject"] },
  { table: "members", column: "email", key: ["id"], uniqueWithin: [] },
  { table: "member_invitations", column: "email", key: ["id"] },
  {
    table: "otp_codes",
    column: "identifier",
    key: ["organization_id", "mode", "purpose", "identifier"],
    uniqueWithin: ["organization_id", "mode", "purpose"],
    emailChannelOnly: true,
  },
  { table: "test_outbox", column: "recipient", key: ["id"], emailChannelOnly: true },
];

export const WARNING_CODE = "FANFARE_EMAIL_NOT_NORMALIZED";

/**
 * Code sign-in lowercased only an email's domain while external claims and dashboard members
 * lowercased all of it, so one person could be two accounts. Every stored email takes the one
 * form of `normalizeEmail`, except where that would give a row the address another row already
 * holds: such rows are never merged silently. They are left as they are and reported, by id and
 * never by address, in a process warning, for an operator to merge or correct.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  const tables = db as unknown as Kysely<AnyTables>;
  for (const target of EMAIL_COLUMNS) {
    const kept = await normalizeColumn(tables, target);
    if (kept.length === 0) continue;
    const rows = kept.map((row) => JSON.stringify(row)).join(", ");
    process.emitWarning(
      `${kept.length} ${target.table} row(s) keep an email that is not normalised, because another row ` +
        `already holds its normalised form; merge or correct them by hand: ${rows}`,
      { code: WARNING_CODE },
    );
  }
}

/** Normalises one column; answers the keys (without the email) of the rows it had to leave. */
async function normalizeColumn(db: Kysely<AnyTables>, target: EmailColumn): Promise<Row[]> {
  const scope = target.uniqueWithin ?? [];
  let query = db
    .selectFrom(target.table)
    .select([...new Set([...target.key, ...scope, target.column])])
    .where(target.column, "is not", null);
  for (const column of target.key) query = query.orderBy(column);
  if (target.emailChannelOnly) query = query.where("channel", "=", "email");
  const rows = await query.execute();
  const scopeOf = (row: Row) => scope.map((column) => row[column]).join("\u0000");
  const held = new Set(rows.map((row) => `${scopeOf(row)}\u0000${row[target.column]}`));
  const kept: Row[] = [];
  for (const row of rows) {
    const email = row[target.column] as string;
    const normalized = normalizeEmail(email);
    if (normalized === email) continue;
    const claim = `${scopeOf(row)}\u0000${normalized}`;
    if (target.uniqueWithin && held.has(claim)) {
      kept.push(Object.fromEntries(target.key.filter((c) => c !== target.column).map((c) => [c, row[c] ?? null])));
      continue;
    }
    held.add(claim);
    let update = db.updateTable(target.table).set({ [target.column]: normalized });
    for (const column of target.key) update = update.where(column, "=", row[column] as string);
    await update.execute();
  }
  return kept;
}
