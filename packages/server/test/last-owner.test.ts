import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { CLI_ACTOR } from "../src/modules/audit/service.js";
import { addOwner } from "../src/modules/members/service.js";
import { acceptInvitationAs, asMember, type MemberSession, signInMember } from "./dashboard-member.js";
import { createTestOrganization, createTestServer, dialects, type TestServer } from "./harness.js";
import { call } from "./http.js";
import { LOOPBACK_ALLOWED, WebhookReceiver } from "./webhook-receiver.js";

const LAST_OWNER = JSON.stringify({
  error: "last_owner",
  message: "An organization needs at least one owner: make someone else owner first.",
});
const ROUNDS = 4;

/** Two owners stepping down at the same moment: one succeeds, the other is told it is the last. */
describe.each(dialects())("last owner under concurrency (%s)", (dialect) => {
  let server: TestServer;
  let receiver: WebhookReceiver;
  let sequence = 0;

  beforeAll(async () => {
    receiver = new WebhookReceiver();
    const url = await receiver.start();
    server = await createTestServer(dialect, {
      ...LOOPBACK_ALLOWED,
      FANFARE_OTP_DELIVERY: "webhook",
      FANFARE_OTP_WEBHOOK_URL: url,
    });
  });
  afterAll(async () => {
    await server.close();
    await receiver.stop();
  });

  const dashboard = (
    method: "GET" | "POST" | "PATCH" | "DELETE",
    url: string,
    session: MemberSession,
    body?: unknown,
  ) => call(server.admin, method, `/api/v1/dashboard${url}`, { headers: asMember(session), body });
  const idOf = (session: MemberSession) => (session.me.member as { id: string }).id;

  async function firstOwner(): Promise<MemberSession> {
    // Past the per-IP sign-in limit of the previous test's rounds.
    server.clock.advance(11 * 60_000);
    const { organization } = await createTestOrganization(server);
    const email = `first${++sequence}@example.com`;
    await addOwner(server.deps, organization.id, email, CLI_ACTOR);
    return signInMember(server.admin, receiver, email);
  }

  /** A second owner, invited by `owner` and signed in. */
  async function secondOwner(owner: MemberSession): Promise<MemberSession> {
    const email = `second${++sequence}@example.com`;
    const invited = await dashboard("POST", "/invitations", owner, { email, role: "owner" });
    expect(invited.statusCode).toBe(201);
    return acceptInvitationAs(server.admin, receiver, invited.json().code, email);
  }

  async function owners(session: MemberSession): Promise<string[]> {
    const members = (await dashboard("GET", "/members", session)).json().data as { id: string; role: string }[];
    return members.filter((member) => member.role === "owner").map((member) => member.id);
  }

  /** Both owners step down at once; returns the one still owner, after checking the loser's answer. */
  async function race(
    a: MemberSession,
    b: MemberSession,
    stepDown: (session: MemberSession) => ReturnType<typeof call>,
  ): Promise<MemberSession> {
    const [first, second] = await Promise.all([stepDown(a), stepDown(b)]);
    const [winner, loser, survivor] = first.statusCode === 409 ? [second, first, a] : [first, second, b];
    expect(winner.statusCode).toBeLessThan(300);
    expect(loser.statusCode).toBe(409);
    expect(loser.body).toBe(LAST_OWNER);
    expect(await owners(survivor)).toEqual([idOf(survivor)]);
    return survivor;
  }

  it("never lets two concurrent demotions leave the organization without an owner", async () => {
    let owner = await firstOwner();
    for (let round = 0; round < ROUNDS; round++) {
      const other = await secondOwner(owner);
      const demoteSelf = (session: MemberSession) =>
        dashboard("PATCH", `/members/${idOf(session)}`, session, { role: "admin" });
      owner = await race(owner, other, demoteSelf);
    }
  });

  it("never lets two concurrent departures leave the organization without an owner", async () => {
    let owner = await firstOwner();
    for (let round = 0; round < ROUNDS; round++) {
      const other = await secondOwner(owner);
      const leave = (session: MemberSession) => dashboard("DELETE", `/members/${idOf(session)}`, session);
      owner = await race(owner, other, leave);
    }
  });

  it("never lets a demotion and a departure together leave the organization without an owner", async () => {
    let owner = await firstOwner();
    for (let round = 0; round < ROUNDS; round++) {
      const other = await secondOwner(owner);
      const demoteOrLeave = (session: MemberSession) =>
        session === owner
          ? dashboard("PATCH", `/members/${idOf(session)}`, session, { role: "editor" })
          : dashboard("DELETE", `/members/${idOf(session)}`, session);
      owner = await race(owner, other, demoteOrLeave);
    }
  });
});
