import { randomBytes } from "node:crypto";
import type { Transaction } from "kysely";
import type { Database } from "../../db/schema.js";
import type { Deps } from "../../deps.js";
import { AppError } from "../../http/errors.js";
import { isoAt } from "../../lib/clock.js";
import { normalizeEmail } from "../../lib/email.js";
import { newId } from "../../lib/ids.js";
import { secretDigest } from "../../lib/secrets.js";
import type { TenantScope } from "../../lib/tenant.js";
import { applyChange, inMode } from "../audit/apply-change.js";
import type { Actor } from "../audit/service.js";
import { backfillProfile, getConsumer, insertConsumer, type ProfileClaims } from "../consumers/index.js";
import { revokeConsumerSessions, type SessionEnvelope, startSession } from "../sessions/service.js";
import {
  consumeExchangeCode,
  findCanonicalConsumer,
  findExchangeCode,
  findIdentityConsumer,
  type IdentityKey,
  insertExchangeCode,
  insertIdentity,
  markReplayed,
  recordExchangeSession,
} from "./store.js";

/** Fixed by the product, not configurable: the code only bridges a redirect. */
export const EXCHANGE_CODE_TTL_MS = 60_000;

export const exchangeErrors = {
  invalid: () =>
    new AppError("invalid_exchange_code", {
      message: "This exchange code is unknown or has already been used.",
    }),
  expired: () =>
    new AppError("exchange_code_expired", {
      message: "This exchange code has expired: ask the merchant's server for a new one.",
    }),
};

export interface AuthorizeInput extends IdentityKey {
  claims?: (ProfileClaims & Record<string, unknown>) | undefined;
  canonicalSubject?: string | undefined;
}

export type Resolution = "created" | "existing" | "linked";

function codeDigest(deps: Deps, code: string): string {
  return secretDigest(deps.secrets["token-digest"], code);
}

/**
 * Resolves the merchant's user to a consumer and mints a one-time exchange code. The identity
 * (provider, issuer, subject) is the key; identities are never linked by email, only through a
 * canonicalSubject given when the identity is first seen. A claimed email becomes the consumer's
 * (so code sign-in reaches the same consumer) only with `emailVerified: true`.
 */
export async function authorizeExternal(
  deps: Deps,
  tenant: TenantScope,
  actor: Actor,
  input: AuthorizeInput,
): Promise<{ exchangeCode: string; expiresAt: string; resolution: Resolution }> {
  const now = deps.clock.now();
  const claims = input.claims ?? {};
  const email = typeof claims.email === "string" ? normalizeEmail(claims.email) : undefined;
  // Code sign-in finds a consumer by their email, so an unverified claim must never become it:
  // anyone could pre-create the account of an address they do not own and wait for its owner.
  // It is kept on the identity, for display only.
  const verifiedEmail = claims.emailVerified === true ? email : undefined;
  const exchangeCode = `exc_${randomBytes(32).toString("base64url")}`;
  const expiresAt = isoAt(now + EXCHANGE_CODE_TTL_MS);
  // The consumer, the identity, the profile and the code are the key's change: one transaction
  // with its audit row (which names the consumer, never the code or the claims).
  return applyChange(deps, inMode(tenant, actor), async (trx, audit) => {
    const { consumerId, resolution } = await resolveConsumer(trx, tenant, input, email, now);
    await backfillProfile(
      trx,
      tenant,
      consumerId,
      {
        email: verifiedEmail,
        fullName: typeof claims.fullName === "string" ? claims.fullName : undefined,
        name: typeof claims.name === "string" ? claims.name : undefined,
      },
      isoAt(now),
    );
    await insertExchangeCode(trx, tenant, {
      digest: codeDigest(deps, exchangeCode),
      consumerId,
      expiresAt,
      now: isoAt(now),
    });
    await audit({
      action: "consumer.exchange_code_issued",
      targetType: "consumer",
      targetId: consumerId,
      after: { provider: input.provider, resolution, expiresAt },
    });
    return { result: { exchangeCode, expiresAt, resolution } };
  });
}

/** The consumer the identity belongs to: known, linked through its canonical subject, or new. */
async function resolveConsumer(
  trx: Transaction<Database>,
  tenant: TenantScope,
  input: AuthorizeInput,
  email: string | undefined,
  now: number,
): Promise<{ consumerId: string; resolution: Resolution }> {
  const known = await findIdentityConsumer(trx, tenant, input);
  if (known) return { consumerId: known, resolution: "existing" };
  const canonical = input.canonicalSubject
    ? await findCanonicalConsumer(trx, tenant, input.canonicalSubject)
    : undefined;
  const id = canonical ?? newId("consumer", now);
  if (!canonical) {
    await insertConsumer(trx, tenant, { id, kind: "consumer", email: null, phone: null, createdAt: isoAt(now) });
  }
  await insertIdentity(trx, tenant, {
    ...input,
    consumerId: id,
    canonicalSubject: input.canonicalSubject ?? null,
    email: email ?? null,
    now: isoAt(now),
  });
  return { consumerId: id, resolution: canonical ? "linked" : "created" };
}

/**
 * Redeems a code once for a session. A second redemption means the code leaked: it fails and
 * revokes the session the first redemption opened.
 */
export async function exchangeCode(deps: Deps, tenant: TenantScope, code: string): Promise<SessionEnvelope> {
  const digest = codeDigest(deps, code);
  const now = isoAt(deps.clock.now());
  const consumed = await consumeExchangeCode(deps.db, tenant, digest, now);
  if (!consumed) {
    const replay = await markReplayed(deps.db, tenant, digest, now);
    if (replay?.session_id) {
      const target = { consumerId: replay.consumer_id, sessionId: replay.session_id };
      await revokeConsumerSessions(deps, tenant, target, "exchange_code_replay");
    }
    if (replay) throw exchangeErrors.invalid();
    const row = await findExchangeCode(deps.db, tenant, digest);
    throw row && row.consumed_at === null ? exchangeErrors.expired() : exchangeErrors.invalid();
  }
  const consumer = await getConsumer(deps.db, tenant, consumed.consumerId);
  if (!consumer) throw exchangeErrors.invalid();
  const { sessionId, envelope } = await startSession(deps, tenant, consumer, { createConsumer: false });
  if ((await recordExchangeSession(deps.db, digest, sessionId)).replayed) {
    // A replay arrived while this session was being opened: it dies too.
    await revokeConsumerSessions(deps, tenant, { consumerId: consumer.id, sessionId }, "exchange_code_replay");
    throw exchangeErrors.invalid();
  }
  return envelope;
}
