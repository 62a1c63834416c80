import type { Deps } from "../../deps.js";
import { isoAt } from "../../lib/clock.js";
import { digestsEqual, hmacSha256 } from "../../lib/secrets.js";
import { CODE_TTL_MS, codeErrors, newCode } from "../otp/codes.js";
import { consumeSignInCode, findLiveSignInCode, type Member, putSignInCode } from "./store.js";

/**
 * Dashboard sign-in codes. Every email, a member's or a stranger's, takes the same statements to
 * the same answers, so neither the bodies nor the work tell a member apart. Guessing is throttled
 * at the routes per client IP and per email+IP, never per email alone: a lock on an email is one
 * anybody could put on a member.
 */

const emailDigest = (deps: Deps, email: string) =>
  hmacSha256(deps.secrets["otp-digest"], `dashboard-email|${email}`).toString("base64url");

const codeDigest = (deps: Deps, email: string, code: string) =>
  hmacSha256(deps.secrets["otp-digest"], `dashboard-code|${email}|${code}`);

/** Stores a fresh six-digit code for `email` (killing the previous one) and returns it. */
export async function issueSignInCode(deps: Deps, email: string): Promise<string> {
  const code = newCode();
  await putSignInCode(deps.db, {
    emailDigest: emailDigest(deps, email),
    digest: codeDigest(deps, email, code).toString("base64url"),
    expiresAt: isoAt(deps.clock.now() + CODE_TTL_MS),
  });
  return code;
}

/** Checks and consumes the code for `email`; 401 `otp_invalid` or `otp_expired` otherwise. */
export async function checkSignInCode(deps: Deps, email: string, code: string): Promise<void> {
  const now = deps.clock.now();
  const key = emailDigest(deps, email);
  const live = await findLiveSignInCode(deps.db, key);
  if (!live) throw codeErrors.invalid();
  if (Date.parse(live.expiresAt) <= now) throw codeErrors.expired();
  if (!digestsEqual(codeDigest(deps, email, code), Buffer.from(live.digest, "base64url"))) {
    throw codeErrors.invalid();
  }
  if (!(await consumeSignInCode(deps.db, key, live.digest, isoAt(now)))) throw codeErrors.invalid();
}

/** Sends a member's code once the answer is gone, so delivery adds nothing to a member's response time. */
export function sendSignInCode(deps: Deps, member: Member, code: string): void {
  setImmediate(async () => {
    try {
      const organization = await deps.organizations.get(member.organizationId);
      if (!organization) return;
      const message = {
        to: member.email,
        channel: "email" as const,
        code,
        organizationName: `${organization.name} dashboard`,
      };
      deps.codes.send({ delivery: deps.otpDelivery, message, serverProvider: true });
    } catch (err) {
      deps.logger.error({ err }, "a dashboard sign-in code could not be sent");
    }
  });
}
