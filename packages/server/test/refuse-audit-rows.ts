import { sql } from "kysely";
import type { TestServer } from "./harness.js";

/**
 * Makes the database itself refuse audit rows with these actions, as a failing write would; the
 * function returned lets them through again.
 */
export async function refuseAuditRows(server: TestServer, actions: string[]): Promise<() => Promise<void>> {
  const db = server.deps.db.kysely;
  const listed = actions.map((action) => `'${action}'`).join(", ");
  if (server.deps.db.dialect === "postgres") {
    await sql
      .raw(
        "create or replace function refuse_audit() returns trigger language plpgsql as " +
          "$$ begin raise exception 'audit row refused'; end $$",
      )
      .execute(db);
    await sql
      .raw(
        `create trigger refuse_audit before insert on audit_log for each row ` +
          `when (new.action in (${listed})) execute function refuse_audit()`,
      )
      .execute(db);
    return async () => void (await sql.raw("drop trigger refuse_audit on audit_log").execute(db));
  }
  await sql
    .raw(
      `create trigger refuse_audit before insert on audit_log when new.action in (${listed}) ` +
        "begin select raise(abort, 'audit row refused'); end",
    )
    .execute(db);
  return async () => void (await sql.raw("drop trigger refuse_audit").execute(db));
}
