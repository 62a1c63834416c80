import type { FastifyInstance, LightMyRequestResponse } from "fastify";
import { expect } from "vitest";
import { call } from "./http.js";
import type { WebhookReceiver } from "./webhook-receiver.js";

/** A signed-in dashboard member as a browser holds it: the cookie and the page's CSRF token. */
export interface MemberSession {
  cookie: string;
  csrfToken: string;
  me: Record<string, unknown>;
}

/** The newest code the delivery webhook received for `email`, waiting for it to arrive. */
export async function deliveredCode(receiver: WebhookReceiver, email: string, after = 0): Promise<string> {
  for (let attempt = 0; attempt < 200; attempt++) {
    const messages = receiver.received
      .slice(after)
      .map((message) => JSON.parse(message.body) as { to: string; code: string })
      .filter((message) => message.to === email);
    const last = messages.at(-1);
    if (last) return last.code;
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
  throw new Error(`no code delivered to ${email}`);
}

/** The `Cookie` header a browser sends back after `response` set the sign-in attempt cookie. */
export function attemptCookieOf(response: LightMyRequestResponse): string {
  const setCookie = String(response.headers["set-cookie"]);
  expect(setCookie).toMatch(/^fanfare_sign_in=[\w-]{43};/);
  return setCookie.split(";")[0] as string;
}

/** The session a successful verify (sign-in or invitation) started, as the browser keeps it. */
function sessionOf(verified: LightMyRequestResponse): MemberSession {
  expect(verified.statusCode).toBe(200);
  const setCookie = String(verified.headers["set-cookie"]);
  const me = verified.json() as Record<string, unknown> & { csrfToken: string };
  return { cookie: setCookie.split(";")[0] as string, csrfToken: me.csrfToken, me };
}

/** Signs a member in the way the dashboard does: request a code, read it from delivery, verify from the same browser. */
export async function signInMember(
  admin: FastifyInstance,
  receiver: WebhookReceiver,
  email: string,
): Promise<MemberSession> {
  const before = receiver.received.length;
  const requested = await call(admin, "POST", "/api/v1/dashboard/sign-in", { body: { email } });
  expect(requested.statusCode).toBe(202);
  const code = await deliveredCode(receiver, email, before);
  const verified = await call(admin, "POST", "/api/v1/dashboard/sign-in/verify", {
    body: { email, code },
    headers: { cookie: attemptCookieOf(requested) },
  });
  return sessionOf(verified);
}

/** Accepts an invitation the way its invitee does: a code to the invited mailbox, then verify; signed in. */
export async function acceptInvitationAs(
  admin: FastifyInstance,
  receiver: WebhookReceiver,
  invitationCode: string,
  email: string,
): Promise<MemberSession> {
  const before = receiver.received.length;
  const requested = await call(admin, "POST", "/api/v1/dashboard/invitations/accept", {
    body: { code: invitationCode },
  });
  expect(requested.statusCode).toBe(202);
  const verificationCode = await deliveredCode(receiver, email, before);
  const verified = await call(admin, "POST", "/api/v1/dashboard/invitations/accept/verify", {
    body: { code: invitationCode, verificationCode },
    headers: { cookie: attemptCookieOf(requested) },
  });
  return sessionOf(verified);
}

/** Headers of a dashboard request: the cookie, the CSRF token, and optionally the mode. */
export function asMember(session: MemberSession, mode?: "live" | "test"): Record<string, string> {
  return {
    cookie: session.cookie,
    "x-csrf-token": session.csrfToken,
    ...(mode ? { "x-fanfare-mode": mode } : {}),
  };
}
