import type { Db } from "../../db/database.js";
import type { Mode, UsageGranularity } from "../../db/schema.js";
import { inTenant } from "../../db/scoped-queries.js";
import type { TenantScope } from "../../lib/tenant.js";

export interface UsageCounts {
  requests: number;
  successes: number;
  clientErrors: number;
  serverErrors: number;
  rateLimited: number;
}

export const emptyCounts = (): UsageCounts => ({
  requests: 0,
  successes: 0,
  clientErrors: 0,
  serverErrors: 0,
  rateLimited: 0,
});

export function addCounts(into: UsageCounts, from: UsageCounts): void {
  into.requests += from.requests;
  into.successes += from.successes;
  into.clientErrors += from.clientErrors;
  into.serverErrors += from.serverErrors;
  into.rateLimited += from.rateLimited;
}

export interface UsageRow extends UsageCounts {
  keyId: string;
  organizationId: string;
  mode: Mode;
  granularity: UsageGranularity;
  bucketStart: string;
}

// SQLite binds at most 32766 parameters per statement: 10 per row.
const ROWS_PER_STATEMENT = 2000;

/** Adds counts to their buckets (creating them), in one transaction. */
export async function addUsage(db: Db, rows: UsageRow[]): Promise<void> {
  await db.kysely.transaction().execute(async (trx) => {
    for (let start = 0; start < rows.length; start += ROWS_PER_STATEMENT) {
      const values = rows.slice(start, start + ROWS_PER_STATEMENT).map((row) => ({
        key_id: row.keyId,
        granularity: row.granularity,
        bucket_start: row.bucketStart,
        organization_id: row.organizationId,
        mode: row.mode,
        requests: row.requests,
        successes: row.successes,
        client_errors: row.clientErrors,
        server_errors: row.serverErrors,
        rate_limited: row.rateLimited,
      }));
      await trx
        .insertInto("api_key_usage")
        .values(values)
        .onConflict((oc) =>
          oc.columns(["key_id", "granularity", "bucket_start"]).doUpdateSet((eb) => ({
            requests: eb("api_key_usage.requests", "+", eb.ref("excluded.requests")),
            successes: eb("api_key_usage.successes", "+", eb.ref("excluded.successes")),
            client_errors: eb("api_key_usage.client_errors", "+", eb.ref("excluded.client_errors")),
            server_errors: eb("api_key_usage.server_errors", "+", eb.ref("excluded.server_errors")),
            rate_limited: eb("api_key_usage.rate_limited", "+", eb.ref("excluded.rate_limited")),
          })),
        )
        .execute();
    }
  });
}

/** The buckets of a tenant (optionally one key) in `[from, to)`. */
export async function readUsage(
  db: Db,
  scope: TenantScope,
  query: { granularity: UsageGranularity; from: string; to: string; keyId?: string },
) {
  let select = db.kysely
    .selectFrom("api_key_usage")
    .select(["key_id", "bucket_start", "requests", "successes", "client_errors", "server_errors", "rate_limited"])
    .$call(inTenant(scope))
    .where("granularity", "=", query.granularity)
    .where("bucket_start", ">=", query.from)
    .where("bucket_start", "<", query.to);
  if (query.keyId) select = select.where("key_id", "=", query.keyId);
  const rows = await select.orderBy("bucket_start").execute();
  return rows.map((row) => ({
    keyId: row.key_id,
    bucketStart: row.bucket_start,
    requests: Number(row.requests),
    successes: Number(row.successes),
    clientErrors: Number(row.client_errors),
    serverErrors: Number(row.server_errors),
    rateLimited: Number(row.rate_limited),
  }));
}

/** Retention: minute buckets before `minutesBefore` and hour buckets before `hoursBefore` go. */
export async function pruneUsage(db: Db, minutesBefore: string, hoursBefore: string): Promise<void> {
  await db.kysely
    .deleteFrom("api_key_usage")
    .where("granularity", "=", "minute")
    .where("bucket_start", "<", minutesBefore)
    .execute();
  await db.kysely
    .deleteFrom("api_key_usage")
    .where("granularity", "=", "hour")
    .where("bucket_start", "<", hoursBefore)
    .execute();
}
