import type { Kysely } from "kysely";
import { sql } from "kysely";

export async function up(db: Kysely<unknown>): Promise<void> {
  // Every serving process reads the sessions revoked in the last day at start; only revoked rows
  // are indexed, so the index stays as small as that read.
  await db.schema
    .createIndex("sessions_by_revocation")
    .on("sessions")
    .column("revoked_at")
    .where(sql.ref("revoked_at"), "is not", null)
    .execute();
}
