import type { Transaction } from "kysely";
import type { Database, DenyReason, EntryStatus } from "../../db/schema.js";
import type { Deps } from "../../deps.js";
import { isoAt } from "../../lib/clock.js";
import type { TenantScope } from "../../lib/tenant.js";
import { applyChange, inMode } from "../audit/apply-change.js";
import type { Actor } from "../audit/service.js";
import { queueNotFound, requireQueue } from "../queues/index.js";
import { checkAdmissionToken, signAdmission } from "./admission-tokens.js";
import { adjustCounts, lockQueue } from "./line-counters.js";
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

/** A move under the queue's lock: the entry after it, and whether it changed anything. */
type Moved = { entry: Entry; changed: boolean };
type RunMove = (move: (trx: Transaction<Database>) => Promise<Moved>) => Promise<Moved>;

/** A shopper's own move (leaving): shoppers are neither keys nor members, so it is not audited. */
const shopperMove =
  (deps: Deps): RunMove =>
  (move) =>
    deps.db.kysely.transaction().execute(move);

/**
 * A merchant's move (a key's, or a member's in the control room): its audit row commits with it,
 * in the same transaction. A retry that finds the move already made changes nothing and writes none.
 */
function merchantMove(
  deps: Deps,
  tenant: TenantScope,
  actor: Actor,
  queueId: string,
  action: string,
  after: Record<string, unknown>,
): RunMove {
  return (move) =>
    applyChange(deps, inMode(tenant, actor), async (trx, audit) => {
      const moved = await move(trx);
      if (!moved.changed) return { result: moved, unchanged: true };
      await audit({ action, targetType: "queue", targetId: queueId, after });
      return { result: moved };
    });
}

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
  run: RunMove,
): Promise<Moved> {
  const queue = await requireQueue(deps, tenant, queueId);
  const nowMs = deps.clock.now();
  const now = isoAt(nowMs);
  return run(async (trx) => {
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
  const allowed: EntryStatus[] = ["QUEUED", "ADMITTED", "EXPIRED"];
  const left = () => ({ status: "LEFT" as const });
  const { entry } = await transition(deps, tenant, queueId, consumerId, allowed, left, shopperMove(deps));
  return { queueId: entry.queueId, consumerId: entry.consumerId, status: "LEFT" as const, position: null };
}

export async function admitConsumer(
  deps: Deps,
  tenant: TenantScope,
  actor: Actor,
  queueId: string,
  consumerId: string,
) {
  const admit = (queue: { admissionTtlSeconds: number }, nowMs: number) => ({
    status: "ADMITTED" as const,
    ...admissionWindow(queue, nowMs),
  });
  const run = merchantMove(deps, tenant, actor, queueId, "queue.consumer_admitted", { consumerId });
  const { entry, changed } = await transition(deps, tenant, queueId, consumerId, ["QUEUED"], admit, run);
  if (changed) countAdmissions(deps, tenant, queueId, 1);
  return stateOf(deps, tenant, entry);
}

/** The control room counts both modes; metrics only live queues (test mode stays out of them). */
function countAdmissions(deps: Deps, tenant: TenantScope, queueId: string, count: number): void {
  if (tenant.mode === "live") deps.metrics.queueAdmissions.inc({ queue: queueId }, count);
  deps.queueActivity.record(queueId, "admissions", count);
}

/**
 * Admits the next `count` waiting consumers in arrival order: one transaction, one statement for
 * the entries and one audit row for the batch (the count asked for and who was admitted).
 */
export async function admitNext(deps: Deps, tenant: TenantScope, actor: Actor, queueId: string, count: number) {
  const queue = await requireQueue(deps, tenant, queueId);
  const nowMs = deps.clock.now();
  const window = admissionWindow(queue, nowMs);
  const admitted = await applyChange(deps, inMode(tenant, actor), async (trx, audit) => {
    if (!(await lockQueue(trx, tenant, queueId))) throw queueNotFound();
    const batch = await nextWaiting(trx, queueId, count);
    const last = batch.at(-1);
    if (!last) return { result: [], unchanged: true };
    await admitThrough(trx, queueId, last.seq, window);
    await settle(trx, queueId, batch, "ADMITTED");
    const consumerIds = batch.map((entry) => entry.consumerId);
    await audit({
      action: "queue.admitted_next",
      targetType: "queue",
      targetId: queueId,
      after: { requested: count, admitted: consumerIds },
    });
    return {
      result: batch.map((entry): Entry => ({ ...entry, status: "ADMITTED", ...window, updatedAt: window.admittedAt })),
    };
  });
  if (admitted.length > 0) countAdmissions(deps, tenant, queueId, admitted.length);
  return Promise.all(admitted.map((entry) => stateOf(deps, tenant, entry)));
}

export async function completeAdmission(
  deps: Deps,
  tenant: TenantScope,
  actor: Actor,
  queueId: string,
  consumerId: string,
) {
  // An admission that ran out while the checkout was finishing still completes: the order exists.
  const allowed: EntryStatus[] = ["ADMITTED", "EXPIRED"];
  const complete = () => ({ status: "COMPLETED" as const });
  const run = merchantMove(deps, tenant, actor, queueId, "queue.admission_completed", { consumerId });
  const { entry } = await transition(deps, tenant, queueId, consumerId, allowed, complete, run);
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
  actor: Actor,
  queueId: string,
  consumerId: string,
  reason: DenyReason,
) {
  const deny = () => ({ status: "DENIED" as const, denyReason: reason });
  const allowed: EntryStatus[] = ["QUEUED", "ADMITTED", "EXPIRED"];
  const run = merchantMove(deps, tenant, actor, queueId, "queue.consumer_denied", { consumerId, reason });
  const { entry } = await transition(deps, tenant, queueId, consumerId, allowed, deny, run);
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
