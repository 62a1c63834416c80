import { isoAt } from "../../lib/clock.js";
import type { TenantScope } from "../../lib/tenant.js";
import type { QueueCounters } from "./line-counters.js";
import { effectiveStatus, entryErrors, holdsNoPlace } from "./rules.js";
import type { Entry } from "./store.js";

/** What the queue row says under the lock. */
export interface QueueUnderLock {
  counters: QueueCounters;
  /** Set when the queue gives no new places now (not open yet, or closed). */
  refusal: (() => Error) | undefined;
}

/** One consumer asking for a place in a queue. */
export interface Arrival {
  tenant: TenantScope;
  queueId: string;
  consumerId: string;
  fingerprint: string | null;
}

export type ArrivalOutcome = { ok: true; value: { entry: Entry; created: boolean } } | { ok: false; error: Error };

export interface ArrivalPlan {
  /** One per arrival, in the same order. */
  outcomes: ArrivalOutcome[];
  inserts: Entry[];
  /** Entries of consumers who left (or whose admission ran out) and come back with a new number. */
  reentries: Entry[];
  /** Arrival numbers handed out: `lastSeq + 1 … lastSeq + taken`, in acceptance order. */
  taken: number;
  /** Change to the admitted count (an admission that ran out unnoticed stops counting). */
  admitted: number;
  /** Arrivals refused because the queue was full. */
  refused: number;
}

/**
 * Decides a batch of arrivals to one queue, in acceptance order, from the queue's row and the
 * entries its consumers already have (both read under the queue's lock): a place already held
 * is answered as it is — also to a twin later in the same batch — and every other arrival takes
 * the next number while the queue is open and capacity lasts.
 */
export function planArrivals(
  arrivals: readonly Arrival[],
  existing: readonly Entry[],
  queue: QueueUnderLock,
  nowMs: number,
): ArrivalPlan {
  const { counters, refusal } = queue;
  const now = isoAt(nowMs);
  const places = new Map(existing.map((entry) => [entry.consumerId, entry]));
  const plan: ArrivalPlan = { outcomes: [], inserts: [], reentries: [], taken: 0, admitted: 0, refused: 0 };
  let held = counters.waiting + counters.admitted;
  for (const arrival of arrivals) {
    const previous = places.get(arrival.consumerId);
    if (previous && !holdsNoPlace(effectiveStatus(previous, nowMs))) {
      plan.outcomes.push({ ok: true, value: { entry: previous, created: false } });
      continue;
    }
    if (refusal) {
      plan.outcomes.push({ ok: false, error: refusal() });
      continue;
    }
    if (counters.capacity !== null && held >= counters.capacity) {
      plan.outcomes.push({ ok: false, error: entryErrors.full() });
      plan.refused++;
      continue;
    }
    plan.taken++;
    const fresh: Entry = {
      queueId: arrival.queueId,
      consumerId: arrival.consumerId,
      organizationId: arrival.tenant.organizationId,
      mode: arrival.tenant.mode,
      seq: counters.lastSeq + plan.taken,
      status: "QUEUED",
      fingerprint: arrival.fingerprint,
      enteredAt: now,
      admittedAt: null,
      admissionExpiresAt: null,
      finishedAt: null,
      denyReason: null,
      updatedAt: now,
    };
    // An admission that ran out unnoticed still counts as admitted until now: it moves over.
    if (previous?.status === "ADMITTED") plan.admitted--;
    else held++;
    if (previous) plan.reentries.push(fresh);
    else plan.inserts.push(fresh);
    places.set(arrival.consumerId, fresh);
    plan.outcomes.push({ ok: true, value: { entry: fresh, created: true } });
  }
  return plan;
}

/** The entries as they read after `expireAdmissions` marked the lapsed admissions at `nowMs`. */
export function withLapsedExpired(entries: readonly Entry[], nowMs: number): Entry[] {
  return entries.map((entry) =>
    entry.status === "ADMITTED" && effectiveStatus(entry, nowMs) === "EXPIRED"
      ? { ...entry, status: "EXPIRED", finishedAt: entry.admissionExpiresAt }
      : entry,
  );
}
