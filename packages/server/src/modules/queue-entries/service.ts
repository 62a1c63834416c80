import type { Transaction } from "kysely";
import type { Database, DenyReason, EntryStatus } from "../../db/schema.js";
import type { Deps } from "../../deps.js";
import { isoAt } from "../../lib/clock.js";
import type { TenantScope } from "../../lib/tenant.js";
import { adjustCounts, lockQueue, queueNotFound, requireQueue } from "../queues/index.js";
import { checkAdmissionToken, signAdmission } from "./admission-tokens.js";
import { positionOf } from "./positions.js";
import { effectiveStatus, entryErrors } from "./rules.js";
import {
  admitThrough,
  departedThrough,
  type Entry,
  entriesOfConsumer,
  getEntry,
  nextWaiting,
  readEntry,
  recordDepartures,
  saveEntry,
} from "./store.js";

export interface QueueConsumerState {
  queueId: string;
  consumerId: string;
  status: EntryStatus;
  /** Waiting: entries ahead still waiting + 1; admitted: 0; otherwise null. */
  position: number | null;
  enteredAt: string;
  admittedAt: string | null;
  admissionToken: string | null;
  admissionExpiresAt: string | null;
  denyReason: DenyReason | null;
}

/** `departedBefore`, when the caller read it with the entry, saves reading it here. */
export async function stateOf(
  deps: Deps,
  tenant: TenantScope,
  entry: Entry,
  departedBefore?: number,
): Promise<QueueConsumerState> {
  const nowMs = deps.clock.now();
  const status = effectiveStatus(entry, nowMs);
  let position: number | null = null;
  if (status === "QUEUED") {
    position = positionOf(entry.seq, departedBefore ?? (await departedThrough(deps.db, entry.queueId, entry.seq - 1)));
  }
  if (status === "ADMITTED") position = 0;
  const admitted = status === "ADMITTED" && entry.admittedAt && entry.admissionExpiresAt;
  const admissionToken = admitted
    ? await signAdmission(deps.signingKeys, {
        ...tenant,
        queueId: entry.queueId,
        consumerId: entry.consumerId,
        seq: entry.seq,
        fingerprint: entry.fingerprint,
        admittedAtMs: Date.parse(entry.admittedAt as string),
        expiresAtMs: Date.parse(entry.admissionExpiresAt as string),
      })
    : null;
  return {
    queueId: entry.queueId,
    consumerId: entry.consumerId,
    status,
    position,
    enteredAt: entry.enteredAt,
    admittedAt: entry.admittedAt,
    admissionToken,
    admissionExpiresAt: admitted ? entry.admissionExpiresAt : null,
    denyReason: entry.denyReason,
  };
}

/**
 * Takes a place at the back of the queue; entering again returns the place already held.
 * Concurrent arrivals share group commits (`ArrivalWriter`), which decide everything under one
 * lock of the queue row per batch: arrival numbers are dense, unique and in acceptance order.
 */
export async function enterQueue(
  deps: Deps,
  tenant: TenantScope,
  queueId: string,
  consumerId: string,
  fingerprint: string | null,
): Promise<{ state: QueueConsumerState; created: boolean }> {
  const { entry, created, departedBefore } = await deps.arrivals.enter({ tenant, queueId, consumerId, fingerprint });
  return { state: await stateOf(deps, tenant, entry, departedBefore), created };
}

/** The consumer's place in a queue that exists in this tenant: one statement when they hold one. */
export async function entryState(deps: Deps, tenant: TenantScope, queueId: string, consumerId: string) {
  const found = await deps.entryReads.read(tenant, queueId, consumerId);
  if (found) return stateOf(deps, tenant, found.entry, found.departedBefore);
  await requireQueue(deps, tenant, queueId);
  throw entryErrors.notInQueue();
}

/** Runs `work` in a transaction: its own, or one that also writes an audit row (see the control room). */
export type InTransaction = <T>(work: (trx: Transaction<Database>) => Promise<T>) => Promise<T>;
const ownTransaction =
  (deps: Deps): InTransaction =>
  (work) =>
    deps.db.kysely.transaction().execute(work);

type Transition = { status: EntryStatus } & Partial<Pick<Entry, "admittedAt" | "admissionExpiresAt" | "denyReason">>;

/**
 * Moves one entry to a new status under the queue's lock, keeping the counters and the
 * departures tree in step. `allowed` lists the states the move may start from; the target
 * state itself is accepted as already done (retries are safe).
 */
async function transition(
  deps: Deps,
  tenant: TenantScope,
  queueId: string,
  consumerId: string,
  allowed: readonly EntryStatus[],
  next: (queue: { admissionTtlSeconds: number }, nowMs: number) => Transition,
  inTransaction = ownTransaction(deps),
): Promise<{ entry: Entry; changed: boolean }> {
  const queue = await requireQueue(deps, tenant, queueId);
  const nowMs = deps.clock.now();
  const now = isoAt(nowMs);
  return inTransaction(async (trx) => {
    if (!(await lockQueue(trx, tenant, queueId))) throw queueNotFound();
    const entry = await getEntry(trx, tenant, queueId, consumerId);
    if (!entry) throw entryErrors.notInQueue();
    const change = next(queue, nowMs);
    const current = effectiveStatus(entry, nowMs);
    if (current === change.status) return { entry, changed: false };
    if (!allowed.includes(current)) throw entryErrors.wrongState(current);
    const finished = change.status !== "QUEUED" && change.status !== "ADMITTED";
    const updated: Entry = { ...entry, ...change, finishedAt: finished ? now : null, updatedAt: now };
    await saveEntry(trx, updated);
    await settle(trx, queueId, [entry], change.status);
    return { entry: updated, changed: true };
  });
}

/** Counters and departures for entries that left their stored status for `to`. */
async function settle(trx: Transaction<Database>, queueId: string, from: Entry[], to: EntryStatus): Promise<void> {
  const leftWaiting = from.filter((entry) => entry.status === "QUEUED");
  const leftAdmitted = from.filter((entry) => entry.status === "ADMITTED").length;
  await recordDepartures(
    trx,
    queueId,
    leftWaiting.map((entry) => entry.seq),
  );
  await adjustCounts(trx, queueId, {
    waiting: -leftWaiting.length,
    admitted: (to === "ADMITTED" ? from.length : 0) - leftAdmitted,
  });
}

const admissionWindow = (queue: { admissionTtlSeconds: number }, nowMs: number) => ({
  admittedAt: isoAt(nowMs),
  admissionExpiresAt: isoAt(nowMs + queue.admissionTtlSeconds * 1000),
});

export async function leaveQueue(deps: Deps, tenant: TenantScope, queueId: string, consumerId: string) {
  const { entry } = await transition(deps, tenant, queueId, consumerId, ["QUEUED", "ADMITTED", "EXPIRED"], () => ({
    status: "LEFT",
  }));
  return { queueId: entry.queueId, consumerId: entry.consumerId, status: "LEFT" as const, position: null };
}

export async function admitConsumer(deps: Deps, tenant: TenantScope, queueId: string, consumerId: string) {
  const { entry, changed } = await transition(deps, tenant, queueId, consumerId, ["QUEUED"], (queue, nowMs) => ({
    status: "ADMITTED",
    ...admissionWindow(queue, nowMs),
  }));
  if (changed) countAdmissions(deps, tenant, queueId, 1);
  return stateOf(deps, tenant, entry);
}

/** The control room counts both modes; metrics only live queues (test mode stays out of them). */
function countAdmissions(deps: Deps, tenant: TenantScope, queueId: string, count: number): void {
  if (tenant.mode === "live") deps.metrics.queueAdmissions.inc({ queue: queueId }, count);
  deps.queueActivity.record(queueId, "admissions", count);
}

/** Admits the next `count` waiting consumers in arrival order. */
export async function admitNext(
  deps: Deps,
  tenant: TenantScope,
  queueId: string,
  count: number,
  inTransaction = ownTransaction(deps),
) {
  const queue = await requireQueue(deps, tenant, queueId);
  const nowMs = deps.clock.now();
  const window = admissionWindow(queue, nowMs);
  const admitted = await inTransaction(async (trx) => {
    if (!(await lockQueue(trx, tenant, queueId))) throw queueNotFound();
    const batch = await nextWaiting(trx, queueId, count);
    const last = batch.at(-1);
    if (!last) return [];
    await admitThrough(trx, queueId, last.seq, window);
    await settle(trx, queueId, batch, "ADMITTED");
    return batch.map((entry): Entry => ({ ...entry, status: "ADMITTED", ...window, updatedAt: window.admittedAt }));
  });
  if (admitted.length > 0) countAdmissions(deps, tenant, queueId, admitted.length);
  return Promise.all(admitted.map((entry) => stateOf(deps, tenant, entry)));
}

export async function completeAdmission(deps: Deps, tenant: TenantScope, queueId: string, consumerId: string) {
  // An admission that ran out while the checkout was finishing still completes: the order exists.
  const { entry } = await transition(deps, tenant, queueId, consumerId, ["ADMITTED", "EXPIRED"], () => ({
    status: "COMPLETED",
  }));
  return {
    queueId: entry.queueId,
    consumerId: entry.consumerId,
    status: "COMPLETED" as const,
    completedAt: entry.finishedAt as string,
  };
}

export async function denyConsumer(
  deps: Deps,
  tenant: TenantScope,
  queueId: string,
  consumerId: string,
  reason: DenyReason,
  inTransaction = ownTransaction(deps),
) {
  const deny = () => ({ status: "DENIED" as const, denyReason: reason });
  const allowed: EntryStatus[] = ["QUEUED", "ADMITTED", "EXPIRED"];
  const { entry } = await transition(deps, tenant, queueId, consumerId, allowed, deny, inTransaction);
  return stateOf(deps, tenant, entry);
}

/**
 * Server-side check of an admission token at checkout: the signature, its expiry and its
 * bindings, and that the entry is still admitted under the same arrival number — so
 * `complete`, `deny` or leaving makes every copy of the token useless.
 */
export async function validateAdmission(
  deps: Deps,
  tenant: TenantScope,
  queueId: string,
  presented: { consumerId: string; token: string; fingerprint: string | null },
): Promise<void> {
  await requireQueue(deps, tenant, queueId);
  const check = await checkAdmissionToken(deps.signingKeys, deps.clock, presented.token, {
    ...tenant,
    queueId,
    consumerId: presented.consumerId,
    fingerprint: presented.fingerprint,
  });
  if (!check.ok) {
    throw entryErrors.invalidAdmission(check.reason === "device_mismatch" ? { "x-fingerprint-mismatch": "true" } : {});
  }
  const entry = await readEntry(deps.db, tenant, queueId, presented.consumerId);
  if (!entry || entry.seq !== check.seq || effectiveStatus(entry, deps.clock.now()) !== "ADMITTED") {
    throw entryErrors.invalidAdmission();
  }
}

/** The places a consumer holds right now (waiting or admitted), for `GET /consumers/me`. */
export async function activeEntries(deps: Deps, tenant: TenantScope, consumerId: string) {
  const entries = await entriesOfConsumer(deps.db, tenant, consumerId, ["QUEUED", "ADMITTED"], 100);
  const states = await Promise.all(entries.map((entry) => stateOf(deps, tenant, entry)));
  return states.filter((state) => state.status === "QUEUED" || state.status === "ADMITTED");
}
