import { sql } from "kysely";
import type { Db } from "../../db/database.js";
import type { EntryStatus } from "../../db/schema.js";
import type { TenantScope } from "../../lib/tenant.js";

// What the drop control room reads of the line, and the one change it makes to every admission.

/** How many entries of the queue are in each status: one pass over the queue's status index. */
export async function countsByStatus(db: Db, queueId: string): Promise<Map<EntryStatus, number>> {
  const rows = await db.kysely
    .selectFrom("queue_entries")
    .select(["status", (eb) => eb.fn.countAll<number>().as("count")])
    .where("queue_id", "=", queueId)
    .groupBy("status")
    .execute();
  return new Map(rows.map((row) => [row.status, Number(row.count)]));
}

/** The next `count` waiting, in arrival order, with the contact details their consumer gave. */
export async function nextInLine(db: Db, scope: TenantScope, queueId: string, count: number) {
  return db.kysely
    .selectFrom("queue_entries as e")
    .leftJoin("consumers as c", (join) =>
      join.onRef("c.id", "=", "e.consumer_id").on("c.organization_id", "=", scope.organizationId),
    )
    .select(["e.consumer_id as consumerId", "e.entered_at as enteredAt", "c.email as email", "c.phone as phone"])
    .where("e.queue_id", "=", queueId)
    .where("e.organization_id", "=", scope.organizationId)
    .where("e.mode", "=", scope.mode)
    .where("e.status", "=", "QUEUED")
    .orderBy("e.seq")
    .limit(count)
    .execute();
}

/**
 * Adds `seconds` to every admission of the queue still running at `now`; returns how many and the
 * latest new expiry. Timestamps are ISO text in both databases, so each computes the sum in SQL.
 */
export async function extendRunningAdmissions(
  trx: Db["kysely"],
  dialect: Db["dialect"],
  queueId: string,
  seconds: number,
  now: string,
): Promise<{ extended: number; latestExpiresAt: string | null }> {
  const later =
    dialect === "postgres"
      ? sql<string>`to_char((admission_expires_at::timestamptz + make_interval(secs => ${seconds})) at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"')`
      : sql<string>`strftime('%Y-%m-%dT%H:%M:%fZ', admission_expires_at, ${`+${seconds} seconds`})`;
  const rows = await trx
    .updateTable("queue_entries")
    .set({ admission_expires_at: later, updated_at: now })
    .where("queue_id", "=", queueId)
    .where("status", "=", "ADMITTED")
    .where("admission_expires_at", ">", now)
    .returning("admission_expires_at")
    .execute();
  const latest =
    rows
      .map((row) => row.admission_expires_at as string)
      .sort()
      .at(-1) ?? null;
  return { extended: rows.length, latestExpiresAt: latest };
}
