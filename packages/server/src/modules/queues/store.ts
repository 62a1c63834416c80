import type { Selectable, Transaction } from "kysely";
import type { Db } from "../../db/database.js";
import { preparedQuery } from "../../db/prepared.js";
import type { Database, QueuesTable } from "../../db/schema.js";
import { inTenant } from "../../db/scoped-queries.js";
import type { TenantScope } from "../../lib/tenant.js";

export interface Queue {
  id: string;
  experienceId: string;
  name: string;
  capacity: number | null;
  openAt: string | null;
  closeAt: string | null;
  statusOverride: "OPEN" | "CLOSED" | null;
  admissionTtlSeconds: number;
  /** Places held: waiting or admitted. Read-only here; entries change it under the queue's lock. */
  consumerCount: number;
  createdAt: string;
  updatedAt: string;
}

/** What decides whether the queue is open. */
export type QueueWindow = Pick<Queue, "statusOverride" | "openAt" | "closeAt">;

type Executor = Db["kysely"] | Transaction<Database>;

function toQueue(row: Selectable<QueuesTable>): Queue {
  return {
    id: row.id,
    experienceId: row.experience_id,
    name: row.name,
    capacity: row.capacity,
    openAt: row.open_at,
    closeAt: row.close_at,
    statusOverride: row.status_override,
    admissionTtlSeconds: row.admission_ttl_seconds,
    consumerCount: row.waiting_count + row.admitted_count,
    createdAt: row.created_at,
    updatedAt: row.updated_at,
  };
}

function columns(queue: Queue) {
  return {
    name: queue.name,
    capacity: queue.capacity,
    open_at: queue.openAt,
    close_at: queue.closeAt,
    status_override: queue.statusOverride,
    admission_ttl_seconds: queue.admissionTtlSeconds,
    updated_at: queue.updatedAt,
  };
}

export async function insertQueue(trx: Executor, scope: TenantScope, queue: Queue): Promise<void> {
  await trx
    .insertInto("queues")
    .values({
      id: queue.id,
      organization_id: scope.organizationId,
      mode: scope.mode,
      experience_id: queue.experienceId,
      ...columns(queue),
      created_at: queue.createdAt,
      deleted_at: null,
    })
    .execute();
}

// Read by every status poll and entry: compiled once, not on every request.
const selectLiveQueue = preparedQuery(3, (kysely, organizationId: string, mode: string, id: string) =>
  kysely
    .selectFrom("queues")
    .selectAll()
    .where("organization_id", "=", organizationId)
    .where("mode", "=", mode as TenantScope["mode"])
    .where("id", "=", id)
    .where("deleted_at", "is", null),
);

export async function getQueue(db: Db, scope: TenantScope, id: string): Promise<Queue | undefined> {
  const [row] = await selectLiveQueue(db, scope.organizationId, scope.mode, id);
  return row ? toQueue(row) : undefined;
}

export async function listQueues(db: Db, scope: TenantScope, experienceId: string): Promise<Queue[]> {
  const rows = await db.kysely
    .selectFrom("queues")
    .selectAll()
    .$call(inTenant(scope))
    .where("experience_id", "=", experienceId)
    .where("deleted_at", "is", null)
    .orderBy("id")
    .execute();
  return rows.map(toQueue);
}

export async function saveQueue(trx: Executor, scope: TenantScope, queue: Queue): Promise<void> {
  await trx.updateTable("queues").set(columns(queue)).$call(inTenant(scope)).where("id", "=", queue.id).execute();
}

/** Soft-deletes one queue, or every queue of an experience. */
export async function deleteQueues(
  trx: Executor,
  scope: TenantScope,
  target: { id: string } | { experienceId: string },
  now: string,
): Promise<void> {
  let query = trx
    .updateTable("queues")
    .set({ deleted_at: now, updated_at: now })
    .$call(inTenant(scope))
    .where("deleted_at", "is", null);
  query = "id" in target ? query.where("id", "=", target.id) : query.where("experience_id", "=", target.experienceId);
  await query.execute();
}
