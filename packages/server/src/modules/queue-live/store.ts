import { sql } from "kysely";
import type { Db } from "../../db/database.js";
import type { EntryStatus } from "../../db/schema.js";
import { isoAt } from "../../lib/clock.js";
import type { TenantScope } from "../../lib/tenant.js";

const ACTIVITY_RETENTION_MS = 24 * 3_600_000;

/** Adds counts to their buckets: one statement for every queue and kind of a flush. */
export async function addActivity(
  db: Db,
  rows: readonly { queueId: string; bucketStartMs: number; kind: string; count: number }[],
): Promise<void> {
  await db.kysely
    .insertInto("queue_activity")
    .values(
      rows.map((row) => ({
        queue_id: row.queueId,
        bucket_start: isoAt(row.bucketStartMs),
        kind: row.kind,
        count: row.count,
        expires_at: isoAt(row.bucketStartMs + ACTIVITY_RETENTION_MS),
      })),
    )
    .onConflict((oc) =>
      oc
        .columns(["queue_id", "bucket_start", "kind"])
        .doUpdateSet((eb) => ({ count: eb("queue_activity.count", "+", eb.ref("excluded.count")) })),
    )
    .execute();
}

/** A queue's activity buckets starting at or after `from`. */
export async function activitySince(db: Db, queueId: string, from: string) {
  const rows = await db.kysely
    .selectFrom("queue_activity")
    .select(["bucket_start", "kind", "count"])
    .where("queue_id", "=", queueId)
    .where("bucket_start", ">=", from)
    .execute();
  return rows.map((row) => ({ startMs: Date.parse(row.bucket_start), kind: row.kind, count: Number(row.count) }));
}

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
