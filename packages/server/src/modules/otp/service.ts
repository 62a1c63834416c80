import { randomInt } from "node:crypto";
import type { Deps } from "../../deps.js";
import { AppError, errors } from "../../http/errors.js";
import { rateLimitExceeded } from "../../http/rate-limit.js";
import { isoAt } from "../../lib/clock.js";
import { newId } from "../../lib/ids.js";
import { open } from "../../lib/sealed-box.js";
import { digestsEqual, hmacSha256 } from "../../lib/secrets.js";
import type { TenantScope } from "../../lib/tenant.js";
import type { Consumer } from "../consumers/store.js";
import { moveEntries } from "../queues/entries-store.js";
import { revokeConsumerSessions, type SessionEnvelope, startSession } from "../sessions/service.js";
import type { AccessClaims } from "../tokens/access-tokens.js";
import { webhookDelivery } from "./delivery.js";
import type { Identifier } from "./identifiers.js";
import {
  consumeCode,
  countAttempt,
  findConsumerByIdentifier,
  getCodeState,
  insertOutboxMessage,
  markGuestUpgraded,
  putCode,
  recordFailure,
} from "./store.js";

export const CODE_TTL_MS = 10 * 60_000;
export const RESEND_COOLDOWN_MS = 60_000;
export const MAX_ATTEMPTS = 5;
const FAILURE_WINDOW_MS = 3600_000;
const FAILURES_BEFORE_LOCK = 10;
const LOCK_MS = 15 * 60_000;

/** The seed's bodies, byte for byte. */
export const otpErrors = {
  expired: () =>
    new AppError(401, {
      error: "otp_expired",
      message: "Your verification code has expired. Please request a new one.",
    }),
  invalid: () => new AppError(401, { error: "otp_invalid", message: "Invalid verification code. Please try again." }),
  alreadyLinked: () =>
    new AppError(409, {
      error: "already_linked",
      message: "This email or phone already belongs to another account: sign in to that account instead.",
    }),
  smsCountryNotAllowed: () =>
    new AppError(400, {
      error: "sms_country_not_allowed",
      message: "Verification codes cannot be sent by SMS to this country.",
    }),
};

function tooSoon(untilMs: number, nowMs: number): AppError {
  return rateLimitExceeded(Math.max(1, Math.ceil((untilMs - nowMs) / 1000)));
}

function codeDigest(deps: Deps, tenant: TenantScope, identifier: string, code: string): Buffer {
  return hmacSha256(deps.secrets["otp-digest"], `${tenant.organizationId}|${tenant.mode}|${identifier}|${code}`);
}

/**
 * Sends a fresh code (killing the previous one). The answer is the same whether or not the
 * identifier belongs to anyone, and delivery happens after the response.
 */
export async function requestCode(deps: Deps, tenant: TenantScope, identifier: Identifier): Promise<void> {
  const organization = await deps.organizations.get(tenant.organizationId);
  if (!organization) throw errors.resourceNotFound("Organization");
  if (identifier.channel === "sms" && !organization.smsAllowedCountries.includes(identifier.country ?? "")) {
    throw otpErrors.smsCountryNotAllowed();
  }
  const now = deps.clock.now();
  const state = await getCodeState(deps.db, tenant, identifier.value);
  if (state?.lockedUntil && Date.parse(state.lockedUntil) > now) throw tooSoon(Date.parse(state.lockedUntil), now);
  if (state && Date.parse(state.sentAt) + RESEND_COOLDOWN_MS > now) {
    throw tooSoon(Date.parse(state.sentAt) + RESEND_COOLDOWN_MS, now);
  }
  const code = randomInt(0, 1_000_000).toString().padStart(6, "0");
  await putCode(deps.db, tenant, {
    identifier: identifier.value,
    channel: identifier.channel,
    digest: codeDigest(deps, tenant, identifier.value, code).toString("base64url"),
    expiresAt: isoAt(now + CODE_TTL_MS),
    now: isoAt(now),
  });
  const message = { to: identifier.value, channel: identifier.channel, code, organizationName: organization.name };
  if (tenant.mode === "test") {
    // Test mode never reaches a person: the code waits in the outbox for the test secret key.
    await insertOutboxMessage(deps.db, tenant, {
      id: newId("outboxMessage", now),
      recipient: message.to,
      channel: message.channel,
      code,
      now: isoAt(now),
    });
    return;
  }
  // The organization's own gateway when it has one, else the server-wide provider.
  const delivery = organization.otpWebhookUrl
    ? webhookDelivery(
        organization.otpWebhookUrl,
        organization.otpWebhookSecretSealed
          ? open(deps.secrets["webhook-secret-encryption"], organization.otpWebhookSecretSealed).toString("utf8")
          : undefined,
      )
    : deps.otpDelivery;
  setImmediate(() => {
    delivery.send(message).catch((err: unknown) => {
      deps.logger.error({ err, provider: delivery.name, channel: message.channel }, "code delivery failed");
    });
  });
}

function noteFailure(deps: Deps, tenant: TenantScope, identifier: string, nowMs: number): Promise<void> {
  return recordFailure(deps.db, tenant, identifier, {
    now: isoAt(nowMs),
    windowStartedBefore: isoAt(nowMs - FAILURE_WINDOW_MS),
    maxFailures: FAILURES_BEFORE_LOCK,
    lockUntil: isoAt(nowMs + LOCK_MS),
  });
}

/** Checks and consumes a code. Every attempt is counted before the comparison. */
async function checkCode(deps: Deps, tenant: TenantScope, identifier: string, code: string): Promise<void> {
  const now = deps.clock.now();
  const live = await countAttempt(deps.db, tenant, identifier);
  if (!live) throw otpErrors.invalid();
  if (live.locked_until && Date.parse(live.locked_until) > now) throw tooSoon(Date.parse(live.locked_until), now);
  if (Date.parse(live.expires_at) <= now) throw otpErrors.expired();
  if (live.attempts > MAX_ATTEMPTS) throw otpErrors.invalid();
  const presented = codeDigest(deps, tenant, identifier, code);
  if (!digestsEqual(presented, Buffer.from(live.digest, "base64url"))) {
    await noteFailure(deps, tenant, identifier, now);
    throw otpErrors.invalid();
  }
  if (!(await consumeCode(deps.db, tenant, identifier, live.digest, isoAt(now)))) throw otpErrors.invalid();
}

/**
 * Verifies a code and signs the consumer in, creating them on first verification. With a
 * guest's token, the guest becomes that consumer — unless the identifier already belongs to
 * someone else (409 already_linked).
 */
export async function verifyCode(
  deps: Deps,
  tenant: TenantScope,
  identifier: Identifier,
  code: string,
  guest: AccessClaims | null,
): Promise<SessionEnvelope> {
  await checkCode(deps, tenant, identifier.value, code);
  const now = deps.clock.now();
  const owner = await findConsumerByIdentifier(deps.db, tenant, identifier.channel, identifier.value);
  if (owner && guest) throw otpErrors.alreadyLinked();
  const consumer: Consumer = owner
    ? { id: owner.id, kind: "consumer", email: owner.email, phone: owner.phone, createdAt: isoAt(now) }
    : {
        id: newId("consumer", now),
        kind: "consumer",
        email: identifier.channel === "email" ? identifier.value : null,
        phone: identifier.channel === "sms" ? identifier.value : null,
        createdAt: isoAt(now),
      };
  const { envelope } = await startSession(deps, tenant, consumer, { createConsumer: !owner });
  if (guest) {
    await markGuestUpgraded(deps.db, tenant, guest.consumerId, consumer.id, isoAt(now));
    // The guest keeps every place they held: the entries (and their arrival numbers) move over.
    await moveEntries(deps.db, tenant, guest.consumerId, consumer.id, isoAt(now));
    await revokeConsumerSessions(deps, tenant, { consumerId: guest.consumerId }, "upgraded");
    return { ...envelope, session: { ...envelope.session, guestId: guest.consumerId } };
  }
  return envelope;
}
