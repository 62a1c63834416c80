import type { ApiKeyView } from "@fanfare/contract";
import type { Static } from "typebox";
import { isoAt } from "../../lib/clock.js";
import type { ApiKeyRecord } from "./store.js";

export type ApiKeyViewModel = Static<typeof ApiKeyView>;

/** The public shape of a key. `pendingLastUsedMs` is a use noted in memory but not yet flushed. */
export function toKeyView(record: ApiKeyRecord, nowMs: number, pendingLastUsedMs?: number): ApiKeyViewModel {
  const expired = record.expiresAt !== null && Date.parse(record.expiresAt) <= nowMs;
  const stored = record.lastUsedAt ? Date.parse(record.lastUsedAt) : undefined;
  const lastUsed = Math.max(stored ?? 0, pendingLastUsedMs ?? 0);
  return {
    id: record.id,
    object: "api_key",
    name: record.name,
    type: record.kind,
    mode: record.mode,
    status: record.status === "inactive" ? "inactive" : expired ? "expired" : "active",
    displayHint: record.hint,
    permissions: record.permissions,
    allowedCidrs: record.allowedCidrs,
    expiresAt: record.expiresAt,
    createdAt: record.createdAt,
    createdBy: record.createdBy,
    lastUsedAt: lastUsed > 0 ? isoAt(lastUsed) : null,
  };
}
