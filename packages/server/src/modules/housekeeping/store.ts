import type { Db } from "../../db/database.js";

/** Tables whose rows stop mattering at their `expires_at`: nothing reads them after it. */
export const EXPIRING_TABLES = [
  "dashboard_sessions",
  "member_invitations",
  "exchange_codes",
  "api_key_previous_digests",
  "dashboard_sign_in_codes",
  "code_deliveries",
  "queue_activity",
] as const;
export type ExpiringTable = (typeof EXPIRING_TABLES)[number];

/** Deletes the rows of every tenant that expired before `before`; returns how many went. */
export async function deleteExpiredBefore(db: Db, table: ExpiringTable, before: string): Promise<number> {
  const result = await db.kysely.deleteFrom(table).where("expires_at", "<", before).executeTakeFirst();
  return Number(result.numDeletedRows);
}

/**
 * Forgets the sealed successors of refresh tokens rotated before `before`: once the reuse leeway
 * has passed nothing reads them, and kept they would be a way back to live refresh tokens.
 */
export async function forgetSuccessorsRotatedBefore(db: Db, before: string): Promise<number> {
  const result = await db.kysely
    .updateTable("refresh_tokens")
    .set({ successor_encrypted: null })
    .where("successor_encrypted", "is not", null)
    .where("rotated_at", "<", before)
    .executeTakeFirst();
  return Number(result.numUpdatedRows);
}
