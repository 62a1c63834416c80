import type { Selectable, Transaction } from "kysely";
import type { Db, DialectName } from "../../db/database.js";
import { insertJsonRows } from "../../db/json-rows.js";
import type { ConsumerKind, ConsumersTable, Database } from "../../db/schema.js";
import { inTenant } from "../../db/scoped-queries.js";
import type { TenantScope } from "../../lib/tenant.js";

export interface Consumer {
  id: string;
  kind: ConsumerKind;
  email: string | null;
  phone: string | null;
  createdAt: string;
}

type Executor = Db["kysely"] | Transaction<Database>;

function toConsumer(row: Selectable<ConsumersTable>): Consumer {
  return { id: row.id, kind: row.kind, email: row.email, phone: row.phone, createdAt: row.created_at };
}

const consumerRow = (scope: TenantScope, consumer: Consumer) => ({
  id: consumer.id,
  organization_id: scope.organizationId,
  mode: scope.mode,
  kind: consumer.kind,
  email: consumer.email,
  phone: consumer.phone,
  full_name: null,
  name: null,
  upgraded_to: null,
  created_at: consumer.createdAt,
  updated_at: consumer.createdAt,
});

export async function insertConsumer(executor: Executor, scope: TenantScope, consumer: Consumer): Promise<void> {
  await executor.insertInto("consumers").values(consumerRow(scope, consumer)).execute();
}

/** Many consumers, of any tenants, in one statement. */
export function insertConsumers(
  trx: Transaction<Database>,
  dialect: DialectName,
  consumers: readonly { scope: TenantScope; consumer: Consumer }[],
): Promise<void> {
  return insertJsonRows(
    trx,
    dialect,
    "consumers",
    consumers.map(({ scope, consumer }) => consumerRow(scope, consumer)),
  );
}

export async function getConsumer(db: Db, scope: TenantScope, id: string): Promise<Consumer | undefined> {
  const row = await db.kysely
    .selectFrom("consumers")
    .selectAll()
    .$call(inTenant(scope))
    .where("id", "=", id)
    .executeTakeFirst();
  return row ? toConsumer(row) : undefined;
}

export interface ProfileClaims {
  email?: string | undefined;
  fullName?: string | undefined;
  name?: string | undefined;
}

/** Claims only fill empty fields; an email already used by another consumer is left out. */
export async function backfillProfile(
  executor: Executor,
  scope: TenantScope,
  id: string,
  claims: ProfileClaims,
  now: string,
) {
  const tenant = (eb: Executor) => eb.updateTable("consumers").$call(inTenant(scope)).where("id", "=", id);
  if (claims.fullName) {
    await tenant(executor)
      .set({ full_name: claims.fullName, updated_at: now })
      .where("full_name", "is", null)
      .execute();
  }
  if (claims.name) {
    await tenant(executor).set({ name: claims.name, updated_at: now }).where("name", "is", null).execute();
  }
  if (claims.email) {
    const taken = await executor
      .selectFrom("consumers")
      .select("id")
      .$call(inTenant(scope))
      .where("email", "=", claims.email)
      .executeTakeFirst();
    if (!taken)
      await tenant(executor).set({ email: claims.email, updated_at: now }).where("email", "is", null).execute();
  }
}

/** The full record the admin API shows. */
export interface ConsumerRecord extends Consumer {
  fullName: string | null;
  name: string | null;
  upgradedTo: string | null;
  updatedAt: string;
}

function toRecord(row: Selectable<ConsumersTable>): ConsumerRecord {
  return {
    ...toConsumer(row),
    fullName: row.full_name,
    name: row.name,
    upgradedTo: row.upgraded_to,
    updatedAt: row.updated_at,
  };
}

function visible(db: Db, scope: TenantScope) {
  return db.kysely.selectFrom("consumers").selectAll().$call(inTenant(scope)).where("erased_at", "is", null);
}

/** A consumer that has not been erased. */
export async function getConsumerRecord(db: Db, scope: TenantScope, id: string): Promise<ConsumerRecord | undefined> {
  const row = await visible(db, scope).where("id", "=", id).executeTakeFirst();
  return row ? toRecord(row) : undefined;
}

export interface ConsumerFilter {
  email?: string | undefined;
  phone?: string | undefined;
}

/** Newest first (guests and identified consumers interleaved by creation), keyset-paginated. */
export async function listConsumers(
  db: Db,
  scope: TenantScope,
  filter: ConsumerFilter,
  page: { first: number; after?: string | undefined },
): Promise<{ consumers: ConsumerRecord[]; hasNextPage: boolean }> {
  let query = visible(db, scope);
  if (filter.email !== undefined) query = query.where("email", "=", filter.email);
  if (filter.phone !== undefined) query = query.where("phone", "=", filter.phone);
  if (page.after) {
    const cursor = await getConsumerRecord(db, scope, page.after);
    if (!cursor) return { consumers: [], hasNextPage: false };
    query = query.where((eb) =>
      eb.or([
        eb("created_at", "<", cursor.createdAt),
        eb.and([eb("created_at", "=", cursor.createdAt), eb("id", "<", cursor.id)]),
      ]),
    );
  }
  const rows = await query
    .orderBy("created_at", "desc")
    .orderBy("id", "desc")
    .limit(page.first + 1)
    .execute();
  return { consumers: rows.slice(0, page.first).map(toRecord), hasNextPage: rows.length > page.first };
}

/**
 * Erasure: personal fields are nulled and the identities and codes that could lead back to the
 * person are deleted; the row stays (tombstoned) so counts and foreign keys hold.
 */
export async function eraseConsumer(trx: Transaction<Database>, scope: TenantScope, consumer: Consumer, now: string) {
  await trx
    .updateTable("consumers")
    .set({ email: null, phone: null, full_name: null, name: null, erased_at: now, updated_at: now })
    .$call(inTenant(scope))
    .where("id", "=", consumer.id)
    .execute();
  await trx.deleteFrom("external_identities").$call(inTenant(scope)).where("consumer_id", "=", consumer.id).execute();
  const identifiers = [consumer.email, consumer.phone].filter((value): value is string => value !== null);
  if (identifiers.length === 0) return;
  await trx.deleteFrom("otp_codes").$call(inTenant(scope)).where("identifier", "in", identifiers).execute();
  await trx.deleteFrom("test_outbox").$call(inTenant(scope)).where("recipient", "in", identifiers).execute();
}
