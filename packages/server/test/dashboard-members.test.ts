import type { LightMyRequestResponse } from "fastify";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { CLI_ACTOR } from "../src/modules/audit/service.js";
import { addOwner } from "../src/modules/members/service.js";
import type { BootstrapKeys } from "../src/modules/orgs/service.js";
import {
  acceptInvitationAs,
  asMember,
  attemptCookieOf,
  deliveredCode,
  type MemberSession,
  signInMember,
} from "./dashboard-member.js";
import { createTestOrganization, createTestServer, dialects, type TestServer } from "./harness.js";
import { call } from "./http.js";
import { LOOPBACK_ALLOWED, WebhookReceiver } from "./webhook-receiver.js";

const INVALID = '{"error":"otp_invalid","message":"Invalid verification code. Please try again."}';
const AUTH_REQUIRED = '{"error":"Authentication required"}';
// The per-email sign-in limit is one a minute over a sliding window: two minutes clears it.
const SIGN_IN_INTERVAL_MS = 120_000;
const CODE_TTL_MS = 10 * 60_000;
const PUBLIC_ADMIN_URL = "https://admin.fanfare.example";
/** The attempt cookie's attributes, after its value. */
const ATTEMPT_ATTRIBUTES = "; Path=/api/v1/dashboard; HttpOnly; SameSite=Strict; Max-Age=600";
/** A six-digit code that is not `code`. */
const otherThan = (code: string) => (code === "000000" ? "111111" : "000000");

describe.each(dialects())("dashboard members (%s)", (dialect) => {
  let server: TestServer;
  let receiver: WebhookReceiver;
  let keys: BootstrapKeys;
  let organizationId: string;
  let owner: MemberSession;
  let sequence = 0;

  beforeAll(async () => {
    receiver = new WebhookReceiver();
    const url = await receiver.start();
    server = await createTestServer(dialect, {
      FANFARE_OTP_DELIVERY: "webhook",
      FANFARE_OTP_WEBHOOK_URL: url,
      ...LOOPBACK_ALLOWED,
      // Injected requests come from 127.0.0.1, so X-Forwarded-For picks each test client's IP.
      FANFARE_TRUSTED_PROXIES: "127.0.0.1",
      FANFARE_PUBLIC_ADMIN_URL: PUBLIC_ADMIN_URL,
    });
  });
  afterAll(async () => {
    await server.close();
    await receiver.stop();
  });
  beforeEach(async () => {
    // Past every sign-in rate-limit window of the previous test.
    server.clock.advance(3600_000);
    const created = await createTestOrganization(server);
    keys = created.keys;
    organizationId = created.organization.id;
    sequence++;
    await addOwner(server.deps, organizationId, `owner${sequence}@example.com`, CLI_ACTOR);
    owner = await signInMember(server.admin, receiver, `owner${sequence}@example.com`);
  });

  const dashboard = (
    method: "GET" | "POST" | "PATCH" | "DELETE",
    url: string,
    session: MemberSession,
    body?: unknown,
  ) => call(server.admin, method, `/api/v1/dashboard${url}`, { headers: asMember(session), body });

  const requestCode = (email: string, ip: string) =>
    call(server.admin, "POST", "/api/v1/dashboard/sign-in", { body: { email }, headers: { "x-forwarded-for": ip } });
  /** A guess at a sign-in code from `ip`, carrying a browser's attempt cookie when given one. */
  const verifyCode = (email: string, code: string, ip: string, cookie?: string) =>
    call(server.admin, "POST", "/api/v1/dashboard/sign-in/verify", {
      body: { email, code },
      headers: { "x-forwarded-for": ip, ...(cookie ? { cookie } : {}) },
    });

  /** Invites `email` with `role` as the owner; the invitee accepts and is signed in. */
  async function join(email: string, role: string): Promise<MemberSession> {
    const invited = await dashboard("POST", "/invitations", owner, { email, role });
    expect(invited.statusCode).toBe(201);
    return acceptInvitationAs(server.admin, receiver, invited.json().code, email);
  }

  it("signs a member in with an emailed code into an HttpOnly, SameSite=Strict cookie session", async () => {
    const email = `owner${sequence}@example.com`;
    server.clock.advance(SIGN_IN_INTERVAL_MS);
    const sent = receiver.received.length;
    const requested = await call(server.admin, "POST", "/api/v1/dashboard/sign-in", { body: { email } });
    expect(requested.json()).toEqual({ sent: true });
    expect(String(requested.headers["set-cookie"])).toMatch(/^fanfare_sign_in=[\w-]{43}; /);
    expect(String(requested.headers["set-cookie"]).endsWith(ATTEMPT_ATTRIBUTES)).toBe(true);
    const browser = attemptCookieOf(requested);
    const code = await deliveredCode(receiver, email, sent);
    const verified = await call(server.admin, "POST", "/api/v1/dashboard/sign-in/verify", {
      body: { email: email.toUpperCase(), code },
      headers: { cookie: browser },
    });
    expect(verified.statusCode).toBe(200);
    const cookie = String(verified.headers["set-cookie"]);
    expect(cookie).toMatch(
      /^fanfare_dashboard=dsess_[0-9A-Z]{26}\.[\w-]{43}; Path=\/; HttpOnly; SameSite=Strict; Max-Age=43200$/,
    );
    const me = verified.json();
    expect(me).toMatchObject({
      member: { object: "member", email, role: "owner" },
      organization: { id: organizationId, name: "Test Org", plan: "pro" },
      session: { object: "dashboard_session", current: true },
      csrfToken: expect.any(String),
    });
    // The code is single use, and the secret half of the cookie is never stored or logged.
    const again = await call(server.admin, "POST", "/api/v1/dashboard/sign-in/verify", {
      body: { email, code },
      headers: { cookie: browser },
    });
    expect(again.body).toBe(INVALID);
    const secret = cookie.split(";")[0]?.split(".")[1] as string;
    expect(server.logs.text).not.toContain(secret);
    expect(server.logs.text).not.toContain(code);

    const session = { cookie: cookie.split(";")[0] as string, csrfToken: me.csrfToken, me };
    const current = await dashboard("GET", "/me", session);
    expect(current.json().member.email).toBe(email);
    const audit = await call(server.admin, "GET", "/api/v1/audit-log?action=member.signed_in", {
      key: keys.secretLive,
    });
    expect(audit.json().data[0]).toMatchObject({ actor: { type: "member", id: me.member.id } });
  });

  it("answers a stranger's email exactly like a member's, sends nothing, and refuses any code", async () => {
    const before = receiver.received.length;
    const requested = await call(server.admin, "POST", "/api/v1/dashboard/sign-in", {
      body: { email: "nobody@example.com" },
    });
    expect(requested.statusCode).toBe(202);
    expect(requested.json()).toEqual({ sent: true });
    const verified = await call(server.admin, "POST", "/api/v1/dashboard/sign-in/verify", {
      body: { email: "nobody@example.com", code: "123456" },
      headers: { cookie: attemptCookieOf(requested) },
    });
    expect(verified.statusCode).toBe(401);
    expect(verified.body).toBe(INVALID);
    // Asking again within the minute is refused for strangers too, so refusals reveal nothing.
    const repeated = await call(server.admin, "POST", "/api/v1/dashboard/sign-in", {
      body: { email: "nobody@example.com" },
    });
    expect(repeated.statusCode).toBe(429);
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect(receiver.received.slice(before)).toHaveLength(0);
  });

  it("answers a member's email and a stranger's byte for byte alike in every state, per-IP throttle included", async () => {
    const member = { email: `owner${sequence}@example.com`, ip: `203.0.113.${sequence}`, browser: "" };
    const stranger = { email: `stranger${sequence}@example.com`, ip: `198.51.100.${sequence}`, browser: "" };
    type Side = typeof member;
    /** Sends the same thing for both (each from its own IP and browser) and requires the same answer. */
    async function alike(send: (side: Side) => Promise<LightMyRequestResponse>) {
      const forMember = await send(member);
      const forStranger = await send(stranger);
      expect(forStranger.statusCode).toBe(forMember.statusCode);
      expect(forStranger.body).toBe(forMember.body);
      expect(forStranger.headers["retry-after"]).toBe(forMember.headers["retry-after"]);
      // Both get an attempt cookie, or neither; its attributes are the same and only its random value differs.
      const shape = (response: LightMyRequestResponse) =>
        response.headers["set-cookie"] === undefined
          ? undefined
          : String(response.headers["set-cookie"]).replace(/=[\w-]{43};/, "=…;");
      expect(shape(forStranger)).toBe(shape(forMember));
      return forMember;
    }
    /** Asks for a code; the side's browser keeps the attempt cookie it is given. */
    const ask = async (side: Side) => {
      const response = await requestCode(side.email, side.ip);
      if (response.statusCode === 202) side.browser = attemptCookieOf(response);
      return response;
    };
    const guess = (code: string) => (side: Side) => verifyCode(side.email, code, side.ip, side.browser);
    server.clock.advance(SIGN_IN_INTERVAL_MS);

    expect((await alike(guess("123456"))).body).toBe(INVALID);
    const sent = receiver.received.length;
    const first = await alike(ask);
    expect(first.statusCode).toBe(202);
    expect(String(first.headers["set-cookie"]).endsWith(ATTEMPT_ATTRIBUTES)).toBe(true);
    const wrong = otherThan(await deliveredCode(receiver, member.email, sent));
    expect((await alike(ask)).statusCode).toBe(429);
    expect((await alike(guess(wrong))).body).toBe(INVALID);
    // An expired code answers otp_expired for both: a stranger's request stored a code too.
    server.clock.advance(CODE_TTL_MS);
    expect((await alike(guess(wrong))).json().error).toBe("otp_expired");

    // A fresh code, then guesses until this IP may guess no more at this email.
    expect((await alike(ask)).statusCode).toBe(202);
    const statuses: number[] = [];
    for (let attempt = 0; attempt < 6; attempt++) statuses.push((await alike(guess(wrong))).statusCode);
    expect(statuses).toContain(401);
    expect(statuses.at(-1)).toBe(429);

    // Per IP, whatever the emails: a client that used its budget is refused for members and strangers alike.
    const busy = { member: `192.0.2.${sequence}`, stranger: `100.64.0.${sequence}` };
    const busyIp = (side: Side) => (side === member ? busy.member : busy.stranger);
    for (let filler = 0; filler < 20; filler++) {
      await alike((side) => requestCode(`filler${filler}.${side === member ? "m" : "s"}@example.com`, busyIp(side)));
    }
    expect((await alike((side) => requestCode(side.email, busyIp(side)))).statusCode).toBe(429);
    for (let filler = 0; filler < 30; filler++) {
      await alike((side) =>
        verifyCode(`filler${filler}.${side === member ? "m" : "s"}@example.com`, wrong, busyIp(side)),
      );
    }
    expect((await alike((side) => verifyCode(side.email, wrong, busyIp(side), side.browser))).statusCode).toBe(429);
  });

  it("kills a sign-in code after 5 wrong guesses in all, however many addresses they come from", async () => {
    const email = `owner${sequence}@example.com`;
    server.clock.advance(SIGN_IN_INTERVAL_MS);
    const sent = receiver.received.length;
    const requested = await requestCode(email, `203.0.113.${sequence}`);
    const browser = attemptCookieOf(requested);
    const code = await deliveredCode(receiver, email, sent);
    // One browser, a new address for every guess: no per-IP budget is ever reached.
    for (let guess = 0; guess < 5; guess++) {
      const answer = await verifyCode(email, otherThan(code), `198.18.${sequence}.${guess}`, browser);
      expect(answer.statusCode).toBe(401);
      expect(answer.body).toBe(INVALID);
    }
    const late = await verifyCode(email, code, `198.18.${sequence}.99`, browser);
    expect(late.statusCode).toBe(401);
    expect(late.body).toBe(INVALID);
    expect(late.headers["set-cookie"]).toBeUndefined();
  });

  it("binds a code to the browser that asked: no other browser can use it, use it up, or lock the owner out", async () => {
    const email = `owner${sequence}@example.com`;
    server.clock.advance(SIGN_IN_INTERVAL_MS);
    let sent = receiver.received.length;
    const ownerBrowser = attemptCookieOf(await requestCode(email, `192.0.2.${100 + sequence}`));
    const code = await deliveredCode(receiver, email, sent);

    // An attacker asks for codes of its own for the owner's email, from address after address, and
    // guesses with its own cookie, a made-up one, or none: hundreds of guesses, none at the owner's code.
    const forged = `fanfare_sign_in=${"A".repeat(43)}`;
    for (let address = 0; address < 20; address++) {
      const ip = `198.19.${sequence}.${address}`;
      sent = receiver.received.length;
      const attacker = attemptCookieOf(await requestCode(email, ip));
      for (const cookie of [attacker, attacker, forged, undefined]) {
        expect((await verifyCode(email, otherThan(code), ip, cookie)).body).toBe(INVALID);
      }
      // The owner's own code, sent from a browser that did not ask for it, is no use either.
      expect((await verifyCode(email, code, ip, attacker)).body).toBe(INVALID);
    }
    expect((await verifyCode(email, code, `198.19.${sequence}.255`)).body).toBe(INVALID);

    const signedIn = await verifyCode(email, code, `192.0.2.${100 + sequence}`, ownerBrowser);
    expect(signedIn.statusCode).toBe(200);
    expect(signedIn.json().member.email).toBe(email);
  });

  it("keeps a member's sign-in code apart from a consumer's code for the same email", async () => {
    const email = `owner${sequence}@example.com`;
    server.clock.advance(SIGN_IN_INTERVAL_MS);
    const sent = receiver.received.length;
    const browser = attemptCookieOf(await call(server.admin, "POST", "/api/v1/dashboard/sign-in", { body: { email } }));
    const memberCode = await deliveredCode(receiver, email, sent);
    const before = receiver.received.length;
    const consumer = await call(server.consumer, "POST", "/api/v1/auth/otp/request", {
      headers: { "x-publishable-key": keys.publishableLive },
      body: { email },
    });
    expect(consumer.statusCode).toBe(200);
    const consumerCode = await deliveredCode(receiver, email, before);
    expect(consumerCode).not.toBe(memberCode);
    const refused = await call(server.admin, "POST", "/api/v1/dashboard/sign-in/verify", {
      body: { email, code: consumerCode },
      headers: { cookie: browser },
    });
    expect(refused.body).toBe(INVALID);
    const verified = await call(server.admin, "POST", "/api/v1/dashboard/sign-in/verify", {
      body: { email, code: memberCode },
      headers: { cookie: browser },
    });
    expect(verified.statusCode).toBe(200);
  });

  it("lets the cookie stand in for a secret key on the admin API, in the mode the page chose", async () => {
    const live = await call(server.admin, "GET", "/api/v1/api-keys", { headers: asMember(owner) });
    expect(live.statusCode).toBe(200);
    expect(live.json().data.map((key: { mode: string }) => key.mode)).toEqual(["live", "live"]);
    const test = await call(server.admin, "GET", "/api/v1/api-keys", { headers: asMember(owner, "test") });
    expect(test.json().data.map((key: { mode: string }) => key.mode)).toEqual(["test", "test"]);
    const badMode = await call(server.admin, "GET", "/api/v1/api-keys", {
      headers: { ...asMember(owner), "x-fanfare-mode": "prod" },
    });
    expect(badMode.statusCode).toBe(400);
    expect(badMode.json().error).toBe("validation_error");
    // Never on the consumer API, whose server-side routes take secret keys only.
    const consumerApi = await call(server.consumer, "POST", "/api/v1/queues/queue_01J0000000000000000000000/admit", {
      headers: asMember(owner),
      body: { count: 1 },
    });
    expect(consumerApi.statusCode).toBe(401);
  });

  it("refuses a state change without the session's CSRF token, and changes nothing", async () => {
    const body = { name: "From the dashboard", type: "secret" };
    const forged = await call(server.admin, "POST", "/api/v1/api-keys", {
      headers: { cookie: owner.cookie },
      body,
    });
    expect(forged.statusCode).toBe(403);
    expect(forged.json()).toEqual({
      error: "csrf_token_invalid",
      message: "This request is missing the dashboard's CSRF token: reload the page and try again.",
    });
    const wrong = await call(server.admin, "POST", "/api/v1/api-keys", {
      headers: { cookie: owner.cookie, "x-csrf-token": `${owner.csrfToken.slice(0, -2)}AA` },
      body,
    });
    expect(wrong.statusCode).toBe(403);
    const listed = await call(server.admin, "GET", "/api/v1/api-keys", { headers: asMember(owner) });
    expect(listed.json().data).toHaveLength(2);

    const created = await call(server.admin, "POST", "/api/v1/api-keys", { headers: asMember(owner), body });
    expect(created.statusCode).toBe(201);
    const audit = await call(server.admin, "GET", "/api/v1/audit-log?action=api_key.created", {
      key: keys.secretLive,
    });
    expect(audit.json().data[0]).toMatchObject({
      actor: { type: "member", id: (owner.me.member as { id: string }).id },
      target: { id: created.json().id },
    });
  });

  it("maps roles onto scopes: viewers read, editors change experiences, only managers touch keys", async () => {
    const viewer = await join(`viewer${sequence}@example.com`, "viewer");
    expect((await call(server.admin, "GET", "/api/v1/api-keys", { headers: asMember(viewer) })).statusCode).toBe(200);
    const refused = await call(server.admin, "POST", "/api/v1/api-keys", {
      headers: asMember(viewer),
      body: { name: "nope", type: "secret" },
    });
    expect(refused.statusCode).toBe(403);
    expect(refused.json()).toEqual({
      error: "Permission denied",
      message: "Your role (viewer) does not allow this. Ask an owner or admin.",
    });

    const editor = await join(`editor${sequence}@example.com`, "editor");
    const experience = await call(server.admin, "POST", "/api/v1/experiences", {
      headers: asMember(editor),
      body: { name: "Spring drop" },
    });
    expect(experience.statusCode).toBe(201);
    const keyByEditor = await call(server.admin, "POST", "/api/v1/api-keys", {
      headers: asMember(editor),
      body: { name: "nope", type: "secret" },
    });
    expect(keyByEditor.statusCode).toBe(403);
    const inviteByEditor = await dashboard("POST", "/invitations", editor, { email: "x@example.com", role: "viewer" });
    expect(inviteByEditor.statusCode).toBe(403);
    const keys = await call(server.admin, "GET", "/api/v1/api-keys", { headers: asMember(owner) });
    expect(keys.json().data).toHaveLength(2);
  });

  it("ends a session after inactivity, keeps an active one alive, and ends every session after 12 hours", async () => {
    const me = () => dashboard("GET", "/me", owner);
    server.clock.advance(20 * 60_000);
    expect((await me()).statusCode).toBe(200);
    server.clock.advance(20 * 60_000);
    expect((await me()).statusCode).toBe(200);
    server.clock.advance(31 * 60_000);
    const idle = await me();
    expect(idle.statusCode).toBe(401);
    expect(idle.body).toBe(AUTH_REQUIRED);

    const active = await signInMember(server.admin, receiver, `owner${sequence}@example.com`);
    // 14 × 50 minutes of steady use is 11 h 40 min; the next request is past 12 hours.
    for (let step = 0; step < 14; step++) {
      server.clock.advance(25 * 60_000);
      expect((await dashboard("GET", "/me", active)).statusCode).toBe(200);
      server.clock.advance(25 * 60_000);
      expect((await dashboard("GET", "/me", active)).statusCode).toBe(200);
    }
    server.clock.advance(25 * 60_000);
    expect((await dashboard("GET", "/me", active)).statusCode).toBe(401);
  });

  it("refuses a tampered or unknown cookie", async () => {
    const [id, secret] = owner.cookie.split(".") as [string, string];
    const tampered = `${id}.${secret.slice(0, -1)}${secret.endsWith("A") ? "B" : "A"}`;
    for (const cookie of [tampered, "fanfare_dashboard=dsess_01J0000000000000000000000.x", "fanfare_dashboard="]) {
      const response = await call(server.admin, "GET", "/api/v1/api-keys", { headers: { cookie } });
      expect(response.statusCode).toBe(401);
      expect(response.body).toBe(AUTH_REQUIRED);
    }
  });

  it("lists the member's sessions and revokes one, which signs that browser out at once", async () => {
    server.clock.advance(SIGN_IN_INTERVAL_MS);
    const laptop = await signInMember(server.admin, receiver, `owner${sequence}@example.com`);
    const listed = await dashboard("GET", "/sessions", owner);
    expect(listed.json().data).toHaveLength(2);
    const other = listed.json().data.find((session: { current: boolean }) => !session.current);
    expect(other.id).toBe((laptop.me.session as { id: string }).id);
    expect((await dashboard("DELETE", `/sessions/${other.id}`, owner)).statusCode).toBe(204);
    expect((await dashboard("GET", "/me", laptop)).statusCode).toBe(401);
    expect((await dashboard("DELETE", `/sessions/${other.id}`, owner)).statusCode).toBe(404);

    const signedOut = await dashboard("POST", "/sign-out", owner);
    expect(signedOut.statusCode).toBe(204);
    expect(String(signedOut.headers["set-cookie"])).toContain("Max-Age=0");
    expect((await dashboard("GET", "/me", owner)).statusCode).toBe(401);
  });

  it("invites with a code that works once, within 7 days, for the role the inviter may grant", async () => {
    const invited = await dashboard("POST", "/invitations", owner, { email: "New@Example.com", role: "admin" });
    expect(invited.statusCode).toBe(201);
    const { invitation, code, acceptUrl } = invited.json();
    expect(invitation).toMatchObject({ object: "invitation", email: "new@example.com", role: "admin" });
    expect(Date.parse(invitation.expiresAt) - Date.parse(invitation.createdAt)).toBe(7 * 86_400_000);
    expect(acceptUrl).toBe(`${PUBLIC_ADMIN_URL}/dashboard/accept-invitation?code=${code}`);
    const pending = await dashboard("GET", "/invitations", owner);
    expect(pending.json().data.map((row: { id: string }) => row.id)).toEqual([invitation.id]);
    expect(pending.body).not.toContain(code);

    const preview = (value: string) =>
      call(server.admin, "POST", "/api/v1/dashboard/invitations/preview", { body: { code: value } });
    const accept = (value: string) =>
      call(server.admin, "POST", "/api/v1/dashboard/invitations/accept", { body: { code: value } });
    expect((await preview(code)).json()).toEqual({
      email: "new@example.com",
      organization: { id: organizationId, name: "Test Org" },
      role: "admin",
      expiresAt: invitation.expiresAt,
    });
    const admin = await acceptInvitationAs(server.admin, receiver, code, "new@example.com");
    expect(admin.me).toMatchObject({
      member: { email: "new@example.com", role: "admin" },
      organization: { id: organizationId, name: "Test Org" },
    });
    for (const reused of [await accept(code), await preview(code)]) {
      expect(reused.statusCode).toBe(404);
      expect(reused.json().error).toBe("invitation_invalid");
    }

    const ownerByAdmin = await dashboard("POST", "/invitations", admin, { email: "boss@example.com", role: "owner" });
    expect(ownerByAdmin.statusCode).toBe(403);
    const revoked = await dashboard("POST", "/invitations", owner, { email: "gone@example.com", role: "viewer" });
    expect((await dashboard("DELETE", `/invitations/${revoked.json().invitation.id}`, owner)).statusCode).toBe(204);
    expect((await accept(revoked.json().code)).statusCode).toBe(404);
    expect((await preview(revoked.json().code)).statusCode).toBe(404);
    const taken = await dashboard("POST", "/invitations", owner, { email: "new@example.com", role: "viewer" });
    expect(taken.statusCode).toBe(409);

    const late = await dashboard("POST", "/invitations", admin, { email: "late@example.com", role: "viewer" });
    expect(late.statusCode).toBe(201);
    server.clock.advance(7 * 86_400_000);
    expect((await accept(late.json().code)).statusCode).toBe(404);
  });

  it("lets only whoever proves the invited mailbox accept: the inviter holding the link cannot take the seat", async () => {
    const victim = `victim${sequence}@example.com`;
    const invited = await dashboard("POST", "/invitations", owner, { email: victim, role: "admin" });
    const { code, invitation } = invited.json();
    const accept = (body: Record<string, string>, cookie?: string) =>
      call(server.admin, "POST", "/api/v1/dashboard/invitations/accept/verify", {
        body: { code, ...body },
        headers: cookie ? { cookie } : {},
      });

    // The inviter opens the link and confirms: a code goes to the invited mailbox, and only there.
    const sent = receiver.received.length;
    const started = await call(server.admin, "POST", "/api/v1/dashboard/invitations/accept", { body: { code } });
    expect(started.statusCode).toBe(202);
    expect(started.json()).toEqual({ sent: true });
    expect(String(started.headers["set-cookie"]).endsWith(ATTEMPT_ATTRIBUTES)).toBe(true);
    const inviterBrowser = attemptCookieOf(started);
    const mailboxCode = await deliveredCode(receiver, victim, sent);
    expect(receiver.received.slice(sent).map((message) => JSON.parse(message.body).to)).toEqual([victim]);

    // Without it the inviter gets nowhere, and after 5 wrong guesses not even with it.
    for (let guess = 0; guess < 5; guess++) {
      expect((await accept({ verificationCode: otherThan(mailboxCode) }, inviterBrowser)).body).toBe(INVALID);
    }
    expect((await accept({ verificationCode: mailboxCode }, inviterBrowser)).body).toBe(INVALID);
    const members = await dashboard("GET", "/members", owner);
    expect(members.json().data.map((row: { email: string }) => row.email)).not.toContain(victim);
    const pending = await dashboard("GET", "/invitations", owner);
    expect(pending.json().data.map((row: { id: string }) => row.id)).toContain(invitation.id);

    // The invitee asks from their own browser; that code works only with that browser's cookie.
    const before = receiver.received.length;
    const own = await call(server.admin, "POST", "/api/v1/dashboard/invitations/accept", { body: { code } });
    const inviteeBrowser = attemptCookieOf(own);
    const inviteeCode = await deliveredCode(receiver, victim, before);
    expect((await accept({ verificationCode: inviteeCode })).body).toBe(INVALID);
    expect((await accept({ verificationCode: inviteeCode }, inviterBrowser)).body).toBe(INVALID);
    const joined = await accept({ verificationCode: inviteeCode }, inviteeBrowser);
    expect(joined.statusCode).toBe(200);
    expect(joined.json()).toMatchObject({
      member: { email: victim, role: "admin" },
      organization: { id: organizationId },
      session: { current: true },
    });
    expect(String(joined.headers["set-cookie"])).toMatch(/^fanfare_dashboard=dsess_/);
    const audit = await call(server.admin, "GET", "/api/v1/audit-log?action=member.joined", { key: keys.secretLive });
    expect(audit.json().data[0]).toMatchObject({ actor: { type: "member", id: joined.json().member.id } });
  });

  it("ties an invitation's emailed code to that invitation, and refuses a second one once the email is a member", async () => {
    const email = `twice${sequence}@example.com`;
    const other = await createTestOrganization(server);
    await addOwner(server.deps, other.organization.id, `other-owner${sequence}@example.com`, CLI_ACTOR);
    const otherOwner = await signInMember(server.admin, receiver, `other-owner${sequence}@example.com`);
    const ours = (await dashboard("POST", "/invitations", owner, { email, role: "viewer" })).json().code;
    const theirs = (await dashboard("POST", "/invitations", otherOwner, { email, role: "owner" })).json().code;

    const sent = receiver.received.length;
    const started = await call(server.admin, "POST", "/api/v1/dashboard/invitations/accept", { body: { code: ours } });
    const browser = attemptCookieOf(started);
    const verificationCode = await deliveredCode(receiver, email, sent);
    // The code proves the mailbox for the invitation it was sent for, not for another organization's.
    const elsewhere = await call(server.admin, "POST", "/api/v1/dashboard/invitations/accept/verify", {
      body: { code: theirs, verificationCode },
      headers: { cookie: browser },
    });
    expect(elsewhere.body).toBe(INVALID);
    const joined = await call(server.admin, "POST", "/api/v1/dashboard/invitations/accept/verify", {
      body: { code: ours, verificationCode },
      headers: { cookie: browser },
    });
    expect(joined.json().organization.id).toBe(organizationId);

    const second = await call(server.admin, "POST", "/api/v1/dashboard/invitations/accept", { body: { code: theirs } });
    expect(second.statusCode).toBe(409);
    expect(second.json()).toEqual({
      error: "already_member",
      message: `${email} is already a member of an organization.`,
    });
    expect(second.headers["set-cookie"]).toBeUndefined();
  });

  it("builds an invitation's accept link on the configured origin, whatever Host the request claims", async () => {
    const invited = await call(server.admin, "POST", "/api/v1/dashboard/invitations", {
      headers: { ...asMember(owner), host: "attacker.example", "x-forwarded-host": "attacker.example" },
      body: { email: "hosted@example.com", role: "viewer" },
    });
    expect(invited.statusCode).toBe(201);
    const { code, acceptUrl } = invited.json();
    expect(acceptUrl).toBe(`${PUBLIC_ADMIN_URL}/dashboard/accept-invitation?code=${code}`);
  });

  it("changes roles and removes members under the owner rules, ending a removed member's sessions", async () => {
    const ownerId = (owner.me.member as { id: string }).id;
    const lastOwner = await dashboard("PATCH", `/members/${ownerId}`, owner, { role: "admin" });
    expect(lastOwner.statusCode).toBe(409);
    expect(lastOwner.json().error).toBe("last_owner");

    const admin = await join(`admin${sequence}@example.com`, "admin");
    const adminId = (admin.me.member as { id: string }).id;
    const demoteOwner = await dashboard("PATCH", `/members/${ownerId}`, admin, { role: "viewer" });
    expect(demoteOwner.statusCode).toBe(403);
    const removeOwner = await dashboard("DELETE", `/members/${ownerId}`, admin);
    expect(removeOwner.statusCode).toBe(403);

    const promoted = await dashboard("PATCH", `/members/${adminId}`, owner, { role: "owner" });
    expect(promoted.json()).toMatchObject({ id: adminId, role: "owner" });
    const members = await dashboard("GET", "/members", admin);
    expect(members.json().data.map((row: { role: string }) => row.role)).toEqual(["owner", "owner"]);

    expect((await dashboard("DELETE", `/members/${ownerId}`, admin)).statusCode).toBe(204);
    expect((await dashboard("GET", "/me", owner)).statusCode).toBe(401);
    const audit = await call(server.admin, "GET", "/api/v1/audit-log?action=member.removed", { key: keys.secretLive });
    expect(audit.json().data[0]).toMatchObject({ actor: { type: "member", id: adminId }, target: { id: ownerId } });
  });

  it("shows the key's consumption of the plan limit in the current minute", async () => {
    const listed = await call(server.admin, "GET", "/api/v1/api-keys?type=secret", { key: keys.secretLive });
    const keyId = listed.json().data[0].id;
    await call(server.admin, "GET", "/api/v1/api-keys", { key: keys.secretLive });
    const usage = await call(server.admin, "GET", `/api/v1/api-keys/${keyId}/usage`, { headers: asMember(owner) });
    expect(usage.statusCode).toBe(200);
    const { rateLimit } = usage.json();
    expect(rateLimit.limitPerMinute).toBe(10_000);
    expect(rateLimit.usedThisMinute).toBeGreaterThanOrEqual(1);
    expect(Date.parse(rateLimit.resetsAt) % 60_000).toBe(0);
  });
});
