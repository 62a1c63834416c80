import { randomInt } from "node:crypto";
import type { OtpChannel } from "../../db/schema.js";
import type { Deps } from "../../deps.js";
import { AppError } from "../../http/errors.js";
import { rateLimitExceeded } from "../../http/rate-limit.js";
import { isoAt } from "../../lib/clock.js";
import { digestsEqual, hmacSha256 } from "../../lib/secrets.js";
import { type CodeKey, consumeCode, countAttempt, getCodeSentAt, putCode } from "./store.js";

/**
 * One-time codes for consumer sign-in: issuing with a resend cooldown, and checking with an
 * attempt cap per code. Repeated failures are throttled at the routes per identifier and client
 * network, never per identifier alone (a lock on an identifier is one anybody could put on its
 * owner). Dashboard sign-in shares the lifetime, attempts and error bodies (members/sign-in-codes.ts).
 */
export const CODE_TTL_MS = 10 * 60_000;

/** Six uniformly random digits from the CSPRNG. */
export const newCode = (): string => randomInt(0, 1_000_000).toString().padStart(6, "0");
export const RESEND_COOLDOWN_MS = 60_000;
export const MAX_ATTEMPTS = 5;

/** The seed's bodies, byte for byte. */
export const codeErrors = {
  expired: () =>
    new AppError("otp_expired", {
      message: "Your verification code has expired. Please request a new one.",
    }),
  invalid: () => new AppError("otp_invalid", { message: "Invalid verification code. Please try again." }),
};

function tooSoon(untilMs: number, nowMs: number): AppError {
  return rateLimitExceeded(Math.max(1, Math.ceil((untilMs - nowMs) / 1000)));
}

function codeDigest(deps: Deps, key: CodeKey, code: string): Buffer {
  // Consumer codes keep their original digest input, so codes issued before purposes existed stay valid.
  const purpose = key.purpose === "consumer" ? "" : `${key.purpose}|`;
  return hmacSha256(
    deps.secrets["otp-digest"],
    `${key.organizationId}|${key.mode}|${purpose}${key.identifier}|${code}`,
  );
}

/**
 * Stores a fresh six-digit code (killing the previous one) and returns it for delivery.
 * Refused with 429 within the resend cooldown.
 */
export async function issueCode(deps: Deps, key: CodeKey, channel: OtpChannel): Promise<string> {
  const now = deps.clock.now();
  const sentAt = await getCodeSentAt(deps.db, key);
  if (sentAt && Date.parse(sentAt) + RESEND_COOLDOWN_MS > now)
    throw tooSoon(Date.parse(sentAt) + RESEND_COOLDOWN_MS, now);
  const code = newCode();
  await putCode(deps.db, key, {
    channel,
    digest: codeDigest(deps, key, code).toString("base64url"),
    expiresAt: isoAt(now + CODE_TTL_MS),
    now: isoAt(now),
  });
  return code;
}

/** Checks and consumes a code. Every attempt is counted before the comparison. */
export async function checkCode(deps: Deps, key: CodeKey, code: string): Promise<void> {
  const now = deps.clock.now();
  const live = await countAttempt(deps.db, key);
  if (!live) throw codeErrors.invalid();
  if (Date.parse(live.expires_at) <= now) throw codeErrors.expired();
  if (live.attempts > MAX_ATTEMPTS) throw codeErrors.invalid();
  const presented = codeDigest(deps, key, code);
  if (!digestsEqual(presented, Buffer.from(live.digest, "base64url"))) throw codeErrors.invalid();
  if (!(await consumeCode(deps.db, key, live.digest, isoAt(now)))) throw codeErrors.invalid();
}
