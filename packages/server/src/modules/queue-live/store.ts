import type { Db } from "../../db/database.js";
import { isoAt } from "../../lib/clock.js";

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
