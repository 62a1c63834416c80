import type { Kysely } from "kysely";

export async function up(db: Kysely<unknown>): Promise<void> {
  // Which value of a key acted: a regenerated key's previous value keeps working for a while, and
  // the audit log must tell its actions from the new value's.
  await db.schema.alterTable("audit_log").addColumn("actor_key_value", "text").execute();
}
