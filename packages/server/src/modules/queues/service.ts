import type { Transaction } from "kysely";
import type { Database, QueueStatus } from "../../db/schema.js";
import type { Deps } from "../../deps.js";
import { AppError, errors } from "../../http/errors.js";
import { isoAt } from "../../lib/clock.js";
import { newId } from "../../lib/ids.js";
import type { TenantScope } from "../../lib/tenant.js";
import { applyChange, inMode } from "../audit/apply-change.js";
import type { Actor } from "../audit/service.js";
import { requireExperience } from "../experiences/index.js";
import { deleteQueues, getQueue, insertQueue, type Queue, type QueueWindow, saveQueue } from "./store.js";

export const queueNotFound = () => new AppError("queue_not_found");
export const DEFAULT_ADMISSION_TTL_SECONDS = 15 * 60;

/** PENDING before the window opens, CLOSED after it ends, OPEN between; a manual override wins. */
export function queueStatus(queue: QueueWindow, nowMs: number): QueueStatus {
  if (queue.statusOverride) return queue.statusOverride;
  if (queue.openAt && nowMs < Date.parse(queue.openAt)) return "PENDING";
  if (queue.closeAt && nowMs >= Date.parse(queue.closeAt)) return "CLOSED";
  return "OPEN";
}

export interface QueueInput {
  name?: string | undefined;
  capacity?: number | null | undefined;
  openAt?: string | null | undefined;
  closeAt?: string | null | undefined;
  status?: "OPEN" | "CLOSED" | null | undefined;
  admissionTtlSeconds?: number | undefined;
}

const normalize = (value: string | null) => (value === null ? null : isoAt(Date.parse(value)));

function merged(base: Queue, input: QueueInput, now: string): Queue {
  const next: Queue = {
    ...base,
    ...(input.name !== undefined ? { name: input.name.trim() } : {}),
    ...(input.capacity !== undefined ? { capacity: input.capacity } : {}),
    ...(input.openAt !== undefined ? { openAt: normalize(input.openAt) } : {}),
    ...(input.closeAt !== undefined ? { closeAt: normalize(input.closeAt) } : {}),
    ...(input.status !== undefined ? { statusOverride: input.status } : {}),
    ...(input.admissionTtlSeconds !== undefined ? { admissionTtlSeconds: input.admissionTtlSeconds } : {}),
    updatedAt: now,
  };
  const invalid = (path: string, message: string) =>
    errors.validation(`Invalid request: ${path} ${message}.`, [{ path, message }]);
  if (next.name === "") throw invalid("body.name", "must not be blank");
  if (next.openAt && next.closeAt && next.closeAt <= next.openAt) throw invalid("body.closeAt", "must be after openAt");
  return next;
}

export async function requireQueue(deps: Deps, tenant: TenantScope, id: string): Promise<Queue> {
  const queue = await getQueue(deps.db, tenant, id);
  if (!queue) throw queueNotFound();
  return queue;
}

export async function createQueue(
  deps: Deps,
  tenant: TenantScope,
  actor: Actor,
  experienceId: string,
  input: QueueInput,
): Promise<Queue> {
  await requireExperience(deps, tenant, experienceId);
  const nowMs = deps.clock.now();
  const now = isoAt(nowMs);
  const blank: Queue = {
    id: newId("queue", nowMs),
    experienceId,
    name: "",
    capacity: null,
    openAt: null,
    closeAt: null,
    statusOverride: null,
    admissionTtlSeconds: DEFAULT_ADMISSION_TTL_SECONDS,
    consumerCount: 0,
    createdAt: now,
    updatedAt: now,
  };
  const queue = merged(blank, input, now);
  return applyChange(deps, inMode(tenant, actor), async (trx, audit) => {
    await insertQueue(trx, tenant, queue);
    await audit({ action: "queue.created", targetType: "queue", targetId: queue.id, after: queue });
    return { result: queue };
  });
}

export async function updateQueue(deps: Deps, tenant: TenantScope, actor: Actor, id: string, input: QueueInput) {
  const current = await requireQueue(deps, tenant, id);
  const nowMs = deps.clock.now();
  const updated = merged(current, input, isoAt(nowMs));
  return applyChange(deps, inMode(tenant, actor), async (trx, audit) => {
    await saveQueue(trx, tenant, updated);
    await audit({ action: "queue.updated", targetType: "queue", targetId: id, before: current, after: updated });
    return { result: updated };
  });
}

export async function deleteQueue(deps: Deps, tenant: TenantScope, actor: Actor, id: string): Promise<void> {
  const current = await requireQueue(deps, tenant, id);
  const nowMs = deps.clock.now();
  await applyChange(deps, inMode(tenant, actor), async (trx, audit) => {
    await deleteQueues(trx, tenant, { id }, isoAt(nowMs));
    await audit({ action: "queue.deleted", targetType: "queue", targetId: id, before: current });
    return { result: undefined };
  });
}

/** Inside an experience's deletion: its queues go with it. */
export function deleteQueuesOfExperience(
  trx: Transaction<Database>,
  tenant: TenantScope,
  experienceId: string,
  now: string,
): Promise<void> {
  return deleteQueues(trx, tenant, { experienceId }, now);
}
