import type { EntryStatus } from "../../db/schema.js";
import { AppError, errors } from "../../http/errors.js";
import { type QueueWindow, queueStatus } from "../queues/index.js";
import type { Entry } from "./store.js";

export const entryErrors = {
  notOpenYet: (retryAfterSeconds: number) =>
    new AppError("queue_not_open", {}, { "retry-after": String(retryAfterSeconds) }),
  closed: () => new AppError("queue_closed"),
  full: () => new AppError("queue_full"),
  notInQueue: () => new AppError("consumer_not_in_queue"),
  wrongState: (status: EntryStatus) =>
    errors.conflict(`The consumer's place in this queue is ${status}; this action does not apply to it.`),
  invalidAdmission: (headers: Record<string, string> = {}) =>
    new AppError("invalid_admission", { valid: false, error: "invalid_admission" }, headers),
};

/** An admission past its expiry no longer holds a place, even before a sweep has marked it. */
export function effectiveStatus(entry: Entry, nowMs: number): EntryStatus {
  if (entry.status === "ADMITTED" && entry.admissionExpiresAt && Date.parse(entry.admissionExpiresAt) <= nowMs) {
    return "EXPIRED";
  }
  return entry.status;
}

export const holdsNoPlace = (status: EntryStatus) => status === "LEFT" || status === "EXPIRED";

/** Why the queue gives no new place at `nowMs` (a place already held is still answered), if it does not. */
export function refusalOfNewPlaces(window: QueueWindow, nowMs: number): (() => AppError) | undefined {
  const status = queueStatus(window, nowMs);
  if (status === "CLOSED") return entryErrors.closed;
  if (status !== "PENDING") return undefined;
  const opensAt = window.openAt ? Date.parse(window.openAt) : nowMs;
  const retryAfter = Math.max(1, Math.ceil((opensAt - nowMs) / 1000));
  return () => entryErrors.notOpenYet(retryAfter);
}
