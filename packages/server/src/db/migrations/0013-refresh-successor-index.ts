import { type Kysely, sql } from "kysely";

/**
 * The sweep that forgets sealed refresh successors runs every minute: a partial index keeps it
 * reading only the rows that still hold one, however many rotated tokens the table keeps.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .createIndex("refresh_tokens_sealed_successor")
    .on("refresh_tokens")
    .column("rotated_at")
    .where(sql.ref("successor_encrypted"), "is not", null)
    .execute();
}
