import { randomBytes } from "node:crypto";
import type { Deps } from "../../deps.js";
import { isoAt } from "../../lib/clock.js";
import { digestsEqual, hmacSha256 } from "../../lib/secrets.js";
import { CODE_TTL_MS, codeErrors, MAX_ATTEMPTS, newCode } from "../otp/codes.js";
import { consumeSignInCode, countSignInGuess, putSignInCode } from "./store.js";

/**
 * Dashboard codes that prove a mailbox: signing in, or accepting an invitation. Each code belongs
 * to the browser that asked for it, through an attempt secret set as an HttpOnly cookie, and dies
 * after MAX_ATTEMPTS wrong guesses in total. A guess from another browser names another attempt
 * (or none), so it can neither reach nor use up a member's code: nobody can lock a member out.
 * Every email, a member's or a stranger's, takes the same statements to the same answers.
 */

/** What a code proves control of the mailbox for; bound into its digest. */
export type CodePurpose = { kind: "sign-in" } | { kind: "invitation"; invitationId: string };

const ATTEMPT = /^[\w-]{43}$/;

const attemptDigest = (deps: Deps, attempt: string) =>
  hmacSha256(deps.secrets["otp-digest"], `dashboard-attempt|${attempt}`).toString("base64url");

function codeDigest(deps: Deps, attempt: string, purpose: CodePurpose, email: string, code: string): Buffer {
  const label = purpose.kind === "sign-in" ? "sign-in" : `invitation:${purpose.invitationId}`;
  return hmacSha256(deps.secrets["otp-digest"], `dashboard-code|${label}|${attempt}|${email}|${code}`);
}

/**
 * Stores a fresh six-digit code under a new attempt secret; returns both. The secret goes to the
 * asking browser only (as a cookie), the code only to the mailbox.
 */
export async function issueSignInCode(
  deps: Deps,
  purpose: CodePurpose,
  email: string,
): Promise<{ attempt: string; code: string }> {
  const attempt = randomBytes(32).toString("base64url");
  const code = newCode();
  await putSignInCode(deps.db, {
    attemptDigest: attemptDigest(deps, attempt),
    digest: codeDigest(deps, attempt, purpose, email, code).toString("base64url"),
    expiresAt: isoAt(deps.clock.now() + CODE_TTL_MS),
  });
  return { attempt, code };
}

/**
 * Checks and consumes the code of the browser's attempt (its cookie's value, if any); 401
 * `otp_invalid` or `otp_expired` otherwise. Every guess is counted before the comparison.
 */
export async function checkSignInCode(
  deps: Deps,
  attempt: string | undefined,
  purpose: CodePurpose,
  email: string,
  code: string,
): Promise<void> {
  if (attempt === undefined || !ATTEMPT.test(attempt)) throw codeErrors.invalid();
  const key = attemptDigest(deps, attempt);
  const live = await countSignInGuess(deps.db, key);
  if (!live) throw codeErrors.invalid();
  if (Date.parse(live.expiresAt) <= deps.clock.now()) throw codeErrors.expired();
  if (live.attempts > MAX_ATTEMPTS) throw codeErrors.invalid();
  if (!digestsEqual(codeDigest(deps, attempt, purpose, email, code), Buffer.from(live.digest, "base64url"))) {
    throw codeErrors.invalid();
  }
  if (!(await consumeSignInCode(deps.db, key, live.digest))) throw codeErrors.invalid();
}

/** Sends a code once the answer is gone, so delivery adds nothing to a member's response time. */
export function sendSignInCode(deps: Deps, to: { email: string; organizationId: string }, code: string): void {
  setImmediate(async () => {
    try {
      const organization = await deps.organizations.get(to.organizationId);
      if (!organization) return;
      const message = {
        to: to.email,
        channel: "email" as const,
        code,
        organizationName: `${organization.name} dashboard`,
      };
      deps.codes.send({ delivery: deps.otpDelivery, message, serverProvider: true });
    } catch (err) {
      deps.logger.error({ err }, "a dashboard code could not be sent");
    }
  });
}
