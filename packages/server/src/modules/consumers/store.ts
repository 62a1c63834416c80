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
