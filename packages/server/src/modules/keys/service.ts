import type { Transaction } from "kysely";
import type { Database, KeyKind } from "../../db/schema.js";
import type { Deps } from "../../deps.js";
import { errors } from "../../http/errors.js";
import { isoAt, isoNow } from "../../lib/clock.js";
import { newId } from "../../lib/ids.js";
import { parseCidr } from "../../lib/ip.js";
import type { TenantScope } from "../../lib/tenant.js";
import { applyChange, inMode } from "../audit/apply-change.js";
import type { Actor } from "../audit/service.js";
import { generateKey, keyDigest, keyHint } from "./format.js";
import { PUBLIC_SCOPE } from "./scopes.js";
import {
  type ApiKeyRecord,
  dropPreviousDigests,
  getKey,
  getKeyWithDigest,
  insertKey,
  type KeyChanges,
  replaceDigest,
  updateKey,
} from "./store.js";
import { type ApiKeyViewModel, toKeyView } from "./view.js";

export interface MintKeyInput {
  kind: KeyKind;
  name: string;
  /** Secret keys only; defaults to `admin`. Publishable keys always carry the public scope. */
  permissions?: string[] | undefined;
  expiresAt?: string | null | undefined;
  allowedCidrs?: string[] | undefined;
  createdBy?: string | null | undefined;
}

export interface MintedKey {
  record: ApiKeyRecord;
  /** The full key: returned to the creator once and never stored. */
  key: string;
}

/** Creates a key inside the caller's transaction; only its HMAC digest and a hint are stored. */
export async function mintKey(
  deps: Pick<Deps, "clock" | "secrets">,
  trx: Transaction<Database>,
  scope: TenantScope,
  input: MintKeyInput,
): Promise<MintedKey> {
  const key = generateKey(input.kind, scope.mode);
  const now = isoNow(deps.clock);
  const record: ApiKeyRecord = {
    id: newId("apiKey", deps.clock.now()),
    organizationId: scope.organizationId,
    mode: scope.mode,
    kind: input.kind,
    name: input.name,
    hint: keyHint(key),
    permissions: input.kind === "publishable" ? [PUBLIC_SCOPE] : (input.permissions ?? ["admin"]),
    status: "active",
    expiresAt: input.expiresAt ?? null,
    allowedCidrs: input.allowedCidrs ?? [],
    createdAt: now,
    createdBy: input.createdBy ?? null,
    lastUsedAt: null,
    rotatedAt: null,
    deletedAt: null,
    updatedAt: now,
  };
  await insertKey(trx, scope, { ...record, digest: keyDigest(deps.secrets["api-key-digest"], key) });
  return { record, key };
}

/** The tenant and actor every key-management call runs as. */
export interface KeyManagementContext {
  deps: Deps;
  tenant: TenantScope;
  actor: Actor;
}

function invalid(path: string, message: string) {
  return errors.validation(`Invalid request: ${path} ${message}.`, [{ path, message }]);
}

function checkExpiry(expiresAt: string | null | undefined, nowMs: number): string | null | undefined {
  if (expiresAt === undefined || expiresAt === null) return expiresAt;
  const ms = Date.parse(expiresAt);
  if (ms <= nowMs) throw invalid("body.expiresAt", "must be in the future");
  return isoAt(ms);
}

function checkSecretOnly(kind: KeyKind, input: { permissions?: unknown; allowedCidrs?: unknown }): void {
  if (kind !== "publishable") return;
  if (input.permissions !== undefined) {
    throw invalid("body.permissions", "cannot be set on a publishable key (it always has the public scope)");
  }
  if (input.allowedCidrs !== undefined) {
    throw invalid("body.allowedCidrs", "applies to secret keys only (publishable keys use allowed origins)");
  }
}

function checkCidrs(cidrs: string[] | undefined): string[] | undefined {
  cidrs?.forEach((cidr, index) => {
    if (!parseCidr(cidr)) throw invalid(`body.allowedCidrs.${index}`, "must be an IP address or CIDR range");
  });
  return cidrs?.map((cidr) => cidr.trim());
}

async function loadLiveKey(ctx: KeyManagementContext, id: string): Promise<ApiKeyRecord> {
  const record = await getKey(ctx.deps.db, ctx.tenant, id);
  if (!record || record.deletedAt !== null) throw errors.resourceNotFound("API key");
  return record;
}

export function viewOf(ctx: Pick<KeyManagementContext, "deps">, record: ApiKeyRecord): ApiKeyViewModel {
  const { deps } = ctx;
  return toKeyView(record, deps.clock.now(), deps.lastUsed.pendingFor(record.id));
}

export async function getApiKey(ctx: KeyManagementContext, id: string): Promise<ApiKeyViewModel> {
  return viewOf(ctx, await loadLiveKey(ctx, id));
}

export interface CreateApiKeyInput extends MintKeyInput {
  mode?: "live" | "test" | undefined;
}

export async function createApiKey(
  ctx: KeyManagementContext,
  input: CreateApiKeyInput,
): Promise<ApiKeyViewModel & { key: string }> {
  const { deps, tenant, actor } = ctx;
  if (input.mode !== undefined && input.mode !== tenant.mode) throw errors.modeMismatch(tenant.mode);
  checkSecretOnly(input.kind, input);
  const now = deps.clock.now();
  const expiresAt = checkExpiry(input.expiresAt, now);
  const allowedCidrs = checkCidrs(input.allowedCidrs);
  const minted = await applyChange(deps, inMode(tenant, actor), async (trx, audit) => {
    const result = await mintKey(deps, trx, tenant, { ...input, expiresAt, allowedCidrs, createdBy: actor.id });
    const after = viewOf(ctx, result.record);
    await audit({ action: "api_key.created", targetType: "api_key", targetId: after.id, after });
    return { result };
  });
  return { ...viewOf(ctx, minted.record), key: minted.key };
}

/** Applies a change with its audit row, then invalidates every process's cache. */
async function changeKey(
  ctx: KeyManagementContext,
  record: ApiKeyRecord,
  action: string,
  changes: Omit<KeyChanges, "updatedAt">,
  extra?: (trx: Transaction<Database>) => Promise<void>,
): Promise<ApiKeyViewModel> {
  const { deps, tenant, actor } = ctx;
  const now = deps.clock.now();
  const updated: ApiKeyRecord = { ...record, ...changes, updatedAt: isoAt(now) };
  const before = viewOf(ctx, record);
  const after = viewOf(ctx, updated);
  return applyChange(deps, inMode(tenant, actor), async (trx, audit) => {
    await updateKey(trx, tenant, record.id, { ...changes, updatedAt: updated.updatedAt });
    await extra?.(trx);
    await audit({ action, targetType: "api_key", targetId: record.id, before, after });
    return { result: after, invalidate: [{ type: "key", keyId: record.id }] };
  });
}

export interface UpdateApiKeyInput {
  name?: string | undefined;
  permissions?: string[] | undefined;
  expiresAt?: string | null | undefined;
  allowedCidrs?: string[] | undefined;
}

export async function updateApiKey(ctx: KeyManagementContext, id: string, input: UpdateApiKeyInput) {
  const record = await loadLiveKey(ctx, id);
  checkSecretOnly(record.kind, input);
  const changes: Omit<KeyChanges, "updatedAt"> = {};
  if (input.name !== undefined) changes.name = input.name;
  if (input.permissions !== undefined) changes.permissions = input.permissions;
  if (input.expiresAt !== undefined) changes.expiresAt = checkExpiry(input.expiresAt, ctx.deps.clock.now()) ?? null;
  if (input.allowedCidrs !== undefined) changes.allowedCidrs = checkCidrs(input.allowedCidrs) ?? [];
  const action = input.permissions !== undefined ? "api_key.permissions_changed" : "api_key.updated";
  return changeKey(ctx, record, action, changes);
}

function refuseSelf(ctx: KeyManagementContext, record: ApiKeyRecord, verb: string): void {
  if (ctx.actor.type === "api_key" && ctx.actor.id === record.id) {
    throw errors.conflict(`A key cannot ${verb} itself: use another key with the admin permission.`);
  }
}

export async function setKeyActive(ctx: KeyManagementContext, id: string, active: boolean) {
  const record = await loadLiveKey(ctx, id);
  if (!active) refuseSelf(ctx, record, "deactivate");
  const status = active ? "active" : "inactive";
  if (record.status === status) return viewOf(ctx, record);
  return changeKey(ctx, record, active ? "api_key.activated" : "api_key.deactivated", { status });
}

export async function deleteApiKey(ctx: KeyManagementContext, id: string): Promise<{ id: string }> {
  const record = await loadLiveKey(ctx, id);
  refuseSelf(ctx, record, "delete");
  await changeKey(ctx, record, "api_key.deleted", { deletedAt: isoNow(ctx.deps.clock) }, (trx) =>
    dropPreviousDigests(trx, record.id),
  );
  return { id: record.id };
}

/** The key as a regeneration found it, with the digest of the value it is to replace. */
export type RegenerationBase = Awaited<ReturnType<typeof getKeyWithDigest>>;

export function readRegenerationBase(ctx: KeyManagementContext, id: string): Promise<RegenerationBase> {
  return getKeyWithDigest(ctx.deps.db, ctx.tenant, id);
}

/**
 * A new secret for the same key (same id, settings and history). With a grace period the old
 * value keeps working (for data only, see `authorizeKey`) until it ends; without one it stops at
 * once, as do older grace periods. The regeneration replaces the value in `base`: if another one
 * (or a deletion) committed since, this one answers 409 and changes nothing.
 */
export async function regenerateApiKey(ctx: KeyManagementContext, base: RegenerationBase, gracePeriodSeconds: number) {
  const { deps, tenant, actor } = ctx;
  if (!base || base.record.deletedAt !== null) throw errors.resourceNotFound("API key");
  const { record, digest: expected } = base;
  const now = deps.clock.now();
  if (record.expiresAt !== null && Date.parse(record.expiresAt) <= now) {
    throw errors.conflict("This key has expired: extend its expiration first, or create a new key.");
  }
  const key = generateKey(record.kind, record.mode);
  const updated: ApiKeyRecord = { ...record, hint: keyHint(key), updatedAt: isoAt(now) };
  const graceUntil = gracePeriodSeconds > 0 ? isoAt(now + gracePeriodSeconds * 1000) : null;
  const before = viewOf(ctx, record);
  const after = viewOf(ctx, updated);
  await applyChange(deps, inMode(tenant, actor), async (trx, audit) => {
    const replaced = await replaceDigest(trx, tenant, record.id, {
      expected,
      digest: keyDigest(deps.secrets["api-key-digest"], key),
      hint: updated.hint,
      updatedAt: updated.updatedAt,
      graceUntil,
    });
    if (!replaced) throw errors.keyRegenerationConflict();
    if (!graceUntil) await dropPreviousDigests(trx, record.id);
    await audit({
      action: "api_key.regenerated",
      targetType: "api_key",
      targetId: record.id,
      before,
      after: { ...after, gracePeriodSeconds },
    });
    return { result: undefined, invalidate: [{ type: "key", keyId: record.id }] };
  });
  return { ...after, key, previousKeyExpiresAt: graceUntil ?? isoAt(now) };
}
