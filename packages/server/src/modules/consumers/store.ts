import type { Transaction } from "kysely";
import type { Db } from "../../db/database.js";
import type { ConsumerKind, ConsumersTable, Database } from "../../db/schema.js";
import type { TenantScope } from "../../lib/tenant.js";

export interface Consumer {
  id: string;
  kind: ConsumerKind;
  email: string | null;
  phone: string | null;
  createdAt: string;
}

type Executor = Db["kysely"] | Transaction<Database>;

function toConsumer(row: ConsumersTable): Consumer {
  return { id: row.id, kind: row.kind, email: row.email, phone: row.phone, createdAt: row.created_at };
}

export async function insertConsumer(executor: Executor, scope: TenantScope, consumer: Consumer): Promise<void> {
  await executor
    .insertInto("consumers")
    .values({
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
    })
    .execute();
}

export async function getConsumer(db: Db, scope: TenantScope, id: string): Promise<Consumer | undefined> {
  const row = await db.kysely
    .selectFrom("consumers")
    .selectAll()
    .where("organization_id", "=", scope.organizationId)
    .where("mode", "=", scope.mode)
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
export async function backfillProfile(db: Db, scope: TenantScope, id: string, claims: ProfileClaims, now: string) {
  const tenant = (eb: Db["kysely"]) =>
    eb
      .updateTable("consumers")
      .where("organization_id", "=", scope.organizationId)
      .where("mode", "=", scope.mode)
      .where("id", "=", id);
  if (claims.fullName) {
    await tenant(db.kysely)
      .set({ full_name: claims.fullName, updated_at: now })
      .where("full_name", "is", null)
      .execute();
  }
  if (claims.name) {
    await tenant(db.kysely).set({ name: claims.name, updated_at: now }).where("name", "is", null).execute();
  }
  if (claims.email) {
    const taken = await db.kysely
      .selectFrom("consumers")
      .select("id")
      .where("organization_id", "=", scope.organizationId)
      .where("mode", "=", scope.mode)
      .where("email", "=", claims.email)
      .executeTakeFirst();
    if (!taken)
      await tenant(db.kysely).set({ email: claims.email, updated_at: now }).where("email", "is", null).execute();
  }
}
