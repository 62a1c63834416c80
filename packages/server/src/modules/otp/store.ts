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

export interface CodeState {
  sentAt: string;
  lockedUntil: string | null;
}

export async function getCodeState(db: Db, key: CodeKey): Promise<CodeState | undefined> {
  const row = await db.kysely
    .selectFrom("otp_codes")
    .$call(inTenant(key))
    .where("purpose", "=", key.purpose)
    .where("identifier", "=", key.identifier)
    .select(["sent_at", "locked_until"])
    .executeTakeFirst();
  return row ? { sentAt: row.sent_at, lockedUntil: row.locked_until } : undefined;
}

/** Stores a new code, replacing (and so killing) the previous one; the failure budget is kept. */
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
      failures: 0,
      failure_window_started_at: null,
      locked_until: null,
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
    .returning(["attempts", "digest", "expires_at", "locked_until"])
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

/**
 * Counts one failed comparison in one statement (parallel failures all count): a failure
 * window older than `windowStartedBefore` starts over; reaching `maxFailures` sets the lock,
 * and an existing lock is never shortened.
 */
export async function recordFailure(
  db: Db,
  key: CodeKey,
  rule: { now: string; windowStartedBefore: string; maxFailures: number; lockUntil: string },
): Promise<void> {
  const stale = sql<boolean>`(failure_window_started_at is null or failure_window_started_at <= ${rule.windowStartedBefore})`;
  const next = sql<number>`(case when ${stale} then 1 else failures + 1 end)`;
  await db.kysely
    .updateTable("otp_codes")
    .set({
      failures: next,
      failure_window_started_at: sql<string>`(case when ${stale} then ${rule.now} else failure_window_started_at end)`,
      locked_until: sql<
        string | null
      >`(case when ${next} >= ${rule.maxFailures} then ${rule.lockUntil} else locked_until end)`,
    })
    .$call(inTenant(key))
    .where("purpose", "=", key.purpose)
    .where("identifier", "=", key.identifier)
    .execute();
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
