import { sql } from "kysely";
import type { Db } from "../../db/database.js";
import type { CodePurpose, OtpChannel } from "../../db/schema.js";
import { inTenant } from "../../db/scoped-queries.js";
import type { TenantScope } from "../../lib/tenant.js";

/** Which code row: a tenant, what the code is for, and who it was sent to. */
export interface CodeKey extends TenantScope {
  readonly purpose: CodePurpose;
  readonly identifier: string;
}

/** When the identifier's current code was sent, if it has one. */
export async function getCodeSentAt(db: Db, key: CodeKey): Promise<string | undefined> {
  const row = await db.kysely
    .selectFrom("otp_codes")
    .$call(inTenant(key))
    .where("purpose", "=", key.purpose)
    .where("identifier", "=", key.identifier)
    .select("sent_at")
    .executeTakeFirst();
  return row?.sent_at;
}

/** Stores a new code, replacing (and so killing) the previous one. */
export async function putCode(
  db: Db,
  key: CodeKey,
  code: { channel: OtpChannel; digest: string; expiresAt: string; now: string },
): Promise<void> {
  const fresh = {
    channel: code.channel,
    digest: code.digest,
    expires_at: code.expiresAt,
    attempts: 0,
    sent_at: code.now,
  };
  await db.kysely
    .insertInto("otp_codes")
    .values({
      organization_id: key.organizationId,
      mode: key.mode,
      purpose: key.purpose,
      identifier: key.identifier,
      ...fresh,
      consumed_at: null,
      // Left from the identifier-wide lock (now a per-network limit at the routes); the column is NOT NULL.
      failures: 0,
    })
    .onConflict((oc) =>
      oc.columns(["organization_id", "mode", "purpose", "identifier"]).doUpdateSet({ ...fresh, consumed_at: null }),
    )
    .execute();
}

/**
 * Counts an attempt before anything is compared, in one statement, so parallel guesses cannot
 * share an attempt. Returns the live code's state after the increment, or undefined.
 */
export async function countAttempt(db: Db, key: CodeKey) {
  return db.kysely
    .updateTable("otp_codes")
    .set((eb) => ({ attempts: eb("attempts", "+", 1) }))
    .$call(inTenant(key))
    .where("purpose", "=", key.purpose)
    .where("identifier", "=", key.identifier)
    .where("consumed_at", "is", null)
    .returning(["attempts", "digest", "expires_at"])
    .executeTakeFirst();
}

/** Check-and-consume in one statement: of two right guesses, exactly one gets the code. */
export async function consumeCode(db: Db, key: CodeKey, digest: string, now: string): Promise<boolean> {
  const result = await db.kysely
    .updateTable("otp_codes")
    .set({ consumed_at: now })
    .$call(inTenant(key))
    .where("purpose", "=", key.purpose)
    .where("identifier", "=", key.identifier)
    .where("digest", "=", digest)
    .where("consumed_at", "is", null)
    .executeTakeFirst();
  return Number(result.numUpdatedRows) === 1;
}

export async function insertOutboxMessage(
  db: Db,
  scope: TenantScope,
  message: { id: string; recipient: string; channel: OtpChannel; code: string; now: string },
): Promise<void> {
  await db.kysely
    .insertInto("test_outbox")
    .values({
      id: message.id,
      organization_id: scope.organizationId,
      mode: scope.mode,
      recipient: message.recipient,
      channel: message.channel,
      code: message.code,
      created_at: message.now,
    })
    .execute();
}

export async function listOutbox(db: Db, scope: TenantScope, recipient: string | undefined) {
  let query = db.kysely
    .selectFrom("test_outbox")
    .select(["id", "recipient", "channel", "code", "created_at"])
    .$call(inTenant(scope));
  if (recipient) query = query.where("recipient", "=", recipient);
  return query.orderBy("id", "desc").limit(100).execute();
}

/** The identified consumer that owns an email or phone in this tenant, if any. */
export async function findConsumerByIdentifier(db: Db, scope: TenantScope, channel: OtpChannel, value: string) {
  return db.kysely
    .selectFrom("consumers")
    .select(["id", "email", "phone"])
    .$call(inTenant(scope))
    .where(channel === "email" ? "email" : "phone", "=", value)
    .executeTakeFirst();
}

export async function markGuestUpgraded(db: Db, scope: TenantScope, guestId: string, consumerId: string, now: string) {
  await db.kysely
    .updateTable("consumers")
    .set({ upgraded_to: consumerId, updated_at: now })
    .$call(inTenant(scope))
    .where("id", "=", guestId)
    .execute();
}

const HOUR_MS = 3_600_000;
const DELIVERY_COUNT_RETENTION_MS = 90 * 24 * HOUR_MS;

/** Counts one code that reached its provider (`delivered`) or was given up after its retries. */
export async function countCodeDelivery(db: Db, scope: TenantScope, delivered: boolean, atMs: number): Promise<void> {
  const bucketMs = atMs - (atMs % HOUR_MS);
  const at = new Date(atMs).toISOString();
  await db.kysely
    .insertInto("code_deliveries")
    .values({
      organization_id: scope.organizationId,
      mode: scope.mode,
      bucket_start: new Date(bucketMs).toISOString(),
      delivered: delivered ? 1 : 0,
      failed: delivered ? 0 : 1,
      last_delivered_at: delivered ? at : null,
      last_failed_at: delivered ? null : at,
      expires_at: new Date(bucketMs + DELIVERY_COUNT_RETENTION_MS).toISOString(),
    })
    .onConflict((oc) =>
      oc.columns(["organization_id", "mode", "bucket_start"]).doUpdateSet((eb) => ({
        delivered: eb("code_deliveries.delivered", "+", eb.ref("excluded.delivered")),
        failed: eb("code_deliveries.failed", "+", eb.ref("excluded.failed")),
        last_delivered_at: eb.fn.coalesce("excluded.last_delivered_at", "code_deliveries.last_delivered_at"),
        last_failed_at: eb.fn.coalesce("excluded.last_failed_at", "code_deliveries.last_failed_at"),
      })),
    )
    .execute();
}

export interface CodeDeliveryCounts {
  delivered: number;
  failed: number;
  lastDeliveredAt: string | null;
  lastFailedAt: string | null;
}

/** The tenant's code deliveries in the hours starting in `[from, to)`. */
export async function codeDeliveriesIn(db: Db, scope: TenantScope, from: string, to: string) {
  const row = await db.kysely
    .selectFrom("code_deliveries")
    .$call(inTenant(scope))
    .where("bucket_start", ">=", from)
    .where("bucket_start", "<", to)
    .select((eb) => [
      eb.fn.coalesce(eb.fn.sum<number>("delivered"), sql<number>`0`).as("delivered"),
      eb.fn.coalesce(eb.fn.sum<number>("failed"), sql<number>`0`).as("failed"),
      eb.fn.max("last_delivered_at").as("last_delivered_at"),
      eb.fn.max("last_failed_at").as("last_failed_at"),
    ])
    .executeTakeFirst();
  return {
    delivered: Number(row?.delivered ?? 0),
    failed: Number(row?.failed ?? 0),
    lastDeliveredAt: row?.last_delivered_at ?? null,
    lastFailedAt: row?.last_failed_at ?? null,
  } satisfies CodeDeliveryCounts;
}

/** Every tenant's code deliveries since `since` (hour buckets that start at or after it). */
export async function codeDeliveriesSince(db: Db, since: string): Promise<(TenantScope & CodeDeliveryCounts)[]> {
  const rows = await db.kysely
    .selectFrom("code_deliveries")
    .where("bucket_start", ">=", since)
    .groupBy(["organization_id", "mode"])
    .select((eb) => [
      "organization_id",
      "mode",
      eb.fn.sum<number>("delivered").as("delivered"),
      eb.fn.sum<number>("failed").as("failed"),
      eb.fn.max("last_delivered_at").as("last_delivered_at"),
      eb.fn.max("last_failed_at").as("last_failed_at"),
    ])
    .execute();
  return rows.map((row) => ({
    organizationId: row.organization_id,
    mode: row.mode,
    delivered: Number(row.delivered),
    failed: Number(row.failed),
    lastDeliveredAt: row.last_delivered_at,
    lastFailedAt: row.last_failed_at,
  }));
}
