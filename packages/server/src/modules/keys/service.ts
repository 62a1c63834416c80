import type { Transaction } from "kysely";
import type { Database, KeyKind } from "../../db/schema.js";
import type { Deps } from "../../deps.js";
import { isoNow } from "../../lib/clock.js";
import { newId } from "../../lib/ids.js";
import type { TenantScope } from "../../lib/tenant.js";
import { generateKey, keyDigest, keyHint } from "./format.js";
import { PUBLIC_SCOPE } from "./scopes.js";
import { type ApiKeyRecord, insertKey } from "./store.js";

export interface MintKeyInput {
  kind: KeyKind;
  name: string;
  /** Secret keys only; defaults to `admin`. Publishable keys always carry the public scope. */
  permissions?: string[];
  expiresAt?: string | null;
  createdBy?: string | null;
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
    allowedCidrs: [],
    createdAt: now,
    createdBy: input.createdBy ?? null,
    lastUsedAt: null,
    deletedAt: null,
    updatedAt: now,
  };
  await insertKey(trx, scope, { ...record, digest: keyDigest(deps.secrets["api-key-digest"], key) });
  return { record, key };
}
