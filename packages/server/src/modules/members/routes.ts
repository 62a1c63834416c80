import {
  AcceptedInvitation,
  AcceptInvitationBody,
  CreateInvitationBody,
  DASHBOARD_COOKIE,
  DashboardMe,
  DashboardSessionList,
  IdParams,
  InvitationList,
  InvitationWithCode,
  MemberList,
  MemberView,
  NoContent,
  SignInBody,
  SignInVerifyBody,
  UpdateMemberBody,
} from "@fanfare/contract";
import type { FastifyPluginAsyncTypebox } from "@fastify/type-provider-typebox";
import type { FastifyReply, FastifyRequest } from "fastify";
import { Type } from "typebox";
import type { Deps } from "../../deps.js";
import { sessionCookie } from "../../http/cookies.js";
import { errors } from "../../http/errors.js";
import { enforceLimits, type Limit } from "../../http/rate-limit.js";
import { isoAt } from "../../lib/clock.js";
import { normalizeEmail } from "../../lib/email.js";
import { actorOf, memberOf } from "../access/index.js";
import { CODE_TTL_MS, MAX_ATTEMPTS } from "../otp/codes.js";
import {
  acceptInvitation,
  changeRole,
  invitationView,
  invite,
  memberView,
  removeMember,
  requestSignIn,
  revokeInvitation,
  verifySignIn,
} from "./service.js";
import {
  authenticateCookie,
  csrfTokenOf,
  idleExpiry,
  type MemberPrincipal,
  startDashboardSession,
} from "./sessions.js";
import { listLiveSessions, listMembers, listPendingInvitations, type MemberRow, revokeSession } from "./store.js";

const member = { auth: { kind: "member" } } as const;
const open = { auth: { kind: "none" } } as const;
const tags = ["Dashboard"];
const MINUTE = 60_000;

/** Per client IP, and per email from one IP; `perEmail` is also the guesses one IP gets at a code. */
const SIGN_IN_LIMITS = { perIp: 20, perEmail: 1, perEmailWindowMs: MINUTE };
const VERIFY_LIMITS = { perIp: 30, perEmail: MAX_ATTEMPTS, perEmailWindowMs: CODE_TTL_MS };

/**
 * Sign-in throttles count the requesting IP and the email from that IP, for members and strangers
 * alike, and never the email alone: a limit on an email is a lock anybody could put on a member
 * from elsewhere, while their own sign-in from their own IP keeps its own budget.
 */
function signInThrottles(route: string, ip: string, email: string, limits: typeof SIGN_IN_LIMITS): Limit[] {
  return [
    { key: `${route}:ip:${ip}`, limit: limits.perIp, windowMs: 10 * MINUTE },
    {
      key: `${route}:email-ip:${ip}:${normalizeEmail(email)}`,
      limit: limits.perEmail,
      windowMs: limits.perEmailWindowMs,
    },
  ];
}

/** Admin API: dashboard sign-in, the member's sessions, and the team. */
export function memberRoutes(deps: Deps): FastifyPluginAsyncTypebox {
  return async (app) => {
    const client = (request: FastifyRequest) => ({ ip: request.ip, requestId: request.id });
    const secure = (request: FastifyRequest) => request.protocol === "https";

    const sessionView = (session: MemberPrincipal["session"], currentId: string) => ({
      id: session.id,
      object: "dashboard_session" as const,
      current: session.id === currentId,
      createdAt: session.createdAt,
      lastSeenAt: session.lastSeenAt,
      idleExpiresAt: idleExpiry(deps, session),
      expiresAt: session.expiresAt,
      ip: session.ip,
      userAgent: session.userAgent,
    });

    const meOf = async (principal: MemberPrincipal) => {
      const organization = await deps.organizations.get(principal.organizationId);
      if (!organization) throw errors.resourceNotFound("Organization");
      return {
        member: memberView({
          id: principal.memberId,
          organization_id: principal.organizationId,
          email: principal.email,
          role: principal.role,
          created_at: principal.memberCreatedAt,
          last_signed_in_at: principal.lastSignedInAt,
        }),
        organization: { id: organization.id, name: organization.name, plan: organization.plan },
        session: sessionView(principal.session, principal.session.id),
        csrfToken: csrfTokenOf(deps, principal.session.id),
      };
    };

    const signIn = async (request: FastifyRequest, reply: FastifyReply, row: MemberRow) => {
      const userAgent = request.headers["user-agent"] ?? null;
      const started = await startDashboardSession(deps, row, { ip: request.ip, userAgent });
      reply.header(
        "set-cookie",
        sessionCookie(DASHBOARD_COOKIE, started.cookieValue, {
          maxAgeSeconds: started.maxAgeSeconds,
          secure: secure(request),
        }),
      );
      // Read back the way every later request will see it, rather than assembled by hand.
      const principal = await authenticateCookie(deps, started.cookieValue);
      if (!principal) throw new Error("a dashboard session just started could not be read back");
      return meOf(principal);
    };

    app.post(
      "/dashboard/sign-in",
      {
        config: open,
        schema: {
          tags,
          summary: "Email a sign-in code to a member (same answer for any email)",
          body: SignInBody,
          response: { 202: Type.Object({ sent: Type.Literal(true) }) },
        },
      },
      async (request, reply) => {
        await enforceLimits(
          deps.limiter,
          reply,
          signInThrottles("dashboard-sign-in", request.ip, request.body.email, SIGN_IN_LIMITS),
        );
        await requestSignIn(deps, request.body.email);
        return reply.code(202).send({ sent: true as const });
      },
    );

    app.post(
      "/dashboard/sign-in/verify",
      {
        config: open,
        schema: {
          tags,
          summary: "Sign in with the emailed code",
          body: SignInVerifyBody,
          response: { 200: DashboardMe },
        },
      },
      async (request, reply) => {
        await enforceLimits(
          deps.limiter,
          reply,
          signInThrottles("dashboard-verify", request.ip, request.body.email, VERIFY_LIMITS),
        );
        const row = await verifySignIn(deps, request.body.email, request.body.code.trim(), client(request));
        return signIn(request, reply, row);
      },
    );

    app.post(
      "/dashboard/sign-out",
      { config: member, schema: { tags, summary: "End this session", response: { 204: NoContent } } },
      async (request, reply) => {
        const principal = memberOf(request);
        await revokeSession(
          deps.db,
          principal.organizationId,
          { id: principal.session.id, memberId: principal.memberId },
          isoAt(deps.clock.now()),
        );
        reply.header("set-cookie", sessionCookie(DASHBOARD_COOKIE, "", { maxAgeSeconds: 0, secure: secure(request) }));
        return reply.code(204).send(null);
      },
    );

    app.get(
      "/dashboard/me",
      {
        config: member,
        schema: { summary: "The signed-in member and their organization", tags, response: { 200: DashboardMe } },
      },
      async (request) => meOf(memberOf(request)),
    );

    app.get(
      "/dashboard/sessions",
      {
        config: member,
        schema: { tags, summary: "My live sessions", response: { 200: DashboardSessionList } },
      },
      async (request) => {
        const principal = memberOf(request);
        const now = deps.clock.now();
        const rows = await listLiveSessions(deps.db, principal.organizationId, principal.memberId, isoAt(now));
        const data = rows
          .map((row) =>
            sessionView(
              {
                id: row.id,
                createdAt: row.created_at,
                lastSeenAt: row.last_seen_at,
                expiresAt: row.expires_at,
                ip: row.ip,
                userAgent: row.user_agent,
              },
              principal.session.id,
            ),
          )
          .filter((view) => Date.parse(view.idleExpiresAt) > now);
        return { data };
      },
    );

    app.delete(
      "/dashboard/sessions/:id",
      {
        config: { ...member, errors: ["not_found"] as const },
        schema: { tags, summary: "Revoke one of my sessions", params: IdParams, response: { 204: NoContent } },
      },
      async (request, reply) => {
        const principal = memberOf(request);
        const revoked = await revokeSession(
          deps.db,
          principal.organizationId,
          { id: request.params.id, memberId: principal.memberId },
          isoAt(deps.clock.now()),
        );
        if (!revoked) throw errors.resourceNotFound("Session");
        return reply.code(204).send(null);
      },
    );

    app.get(
      "/dashboard/members",
      { config: member, schema: { summary: "The organization's members", tags, response: { 200: MemberList } } },
      async (request) => ({
        data: (await listMembers(deps.db, memberOf(request).organizationId)).map(memberView),
      }),
    );

    app.patch(
      "/dashboard/members/:id",
      {
        config: { ...member, errors: ["not_found", "last_owner"] as const },
        schema: {
          summary: "Change a member's role",
          tags,
          params: IdParams,
          body: UpdateMemberBody,
          response: { 200: MemberView },
        },
      },
      async (request) => changeRole(deps, memberOf(request), request.params.id, request.body.role, actorOf(request)),
    );

    app.delete(
      "/dashboard/members/:id",
      {
        config: { ...member, errors: ["not_found", "last_owner"] as const },
        schema: { tags, summary: "Remove a member (or leave)", params: IdParams, response: { 204: NoContent } },
      },
      async (request, reply) => {
        await removeMember(deps, memberOf(request), request.params.id, actorOf(request));
        return reply.code(204).send(null);
      },
    );

    app.get(
      "/dashboard/invitations",
      { config: member, schema: { tags, summary: "Pending invitations", response: { 200: InvitationList } } },
      async (request) => ({
        data: (await listPendingInvitations(deps.db, memberOf(request).organizationId, isoAt(deps.clock.now()))).map(
          invitationView,
        ),
      }),
    );

    app.post(
      "/dashboard/invitations",
      {
        config: { ...member, errors: ["already_member"] as const },
        schema: {
          tags,
          summary: "Invite a member; the code is shown once and expires in 7 days",
          body: CreateInvitationBody,
          response: { 201: InvitationWithCode },
        },
      },
      async (request, reply) => {
        const created = await invite(deps, memberOf(request), request.body, actorOf(request));
        // From configuration, never the request's Host: a forged Host would point the link at someone else.
        const acceptUrl = `${deps.config.publicAdminUrl}/dashboard/accept-invitation?code=${created.code}`;
        return reply.code(201).send({ ...created, acceptUrl });
      },
    );

    app.delete(
      "/dashboard/invitations/:id",
      {
        config: { ...member, errors: ["not_found"] as const },
        schema: { summary: "Revoke an invitation", tags, params: IdParams, response: { 204: NoContent } },
      },
      async (request, reply) => {
        await revokeInvitation(deps, memberOf(request), request.params.id, actorOf(request));
        return reply.code(204).send(null);
      },
    );

    app.post(
      "/dashboard/invitations/accept",
      {
        config: { ...open, errors: ["invitation_invalid"] as const },
        schema: {
          tags,
          summary: "Accept an invitation; then sign in with a code sent to the invited email",
          body: AcceptInvitationBody,
          response: { 200: AcceptedInvitation },
        },
      },
      async (request, reply) => {
        await enforceLimits(deps.limiter, reply, [
          { key: `dashboard-accept:ip:${request.ip}`, limit: 20, windowMs: 10 * MINUTE },
        ]);
        const joined = await acceptInvitation(deps, request.body.code, client(request));
        const organization = await deps.organizations.get(joined.organization_id);
        return {
          email: joined.email,
          organization: { id: joined.organization_id, name: organization?.name ?? "" },
          role: joined.role,
        };
      },
    );
  };
}
