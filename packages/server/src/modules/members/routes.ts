import * as routes from "@fanfare/contract";
import { DASHBOARD_COOKIE, SIGN_IN_ATTEMPT_COOKIE } from "@fanfare/contract";
import type { FastifyPluginAsync, FastifyReply, FastifyRequest } from "fastify";
import type { Deps } from "../../deps.js";
import { addRoute } from "../../http/contract-routes.js";
import { readCookie, sessionCookie } from "../../http/cookies.js";
import { errors } from "../../http/errors.js";
import { clientOf, enforceLimits, type Limit } from "../../http/rate-limit.js";
import { isoAt } from "../../lib/clock.js";
import { normalizeEmail } from "../../lib/email.js";
import { actorOf, memberOf } from "../access/index.js";
import { CODE_TTL_MS, MAX_ATTEMPTS } from "../otp/codes.js";
import {
  acceptInvitation,
  changeRole,
  endSession,
  invitationView,
  invite,
  memberView,
  previewInvitation,
  removeMember,
  requestInvitationCode,
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
import { listLiveSessions, listMembers, listPendingInvitations, type Member } from "./store.js";

const MINUTE = 60_000;
/** The attempt cookie goes only to the dashboard's own routes, which are all that read it. */
const ATTEMPT_COOKIE_PATH = "/api/v1/dashboard";

/** Per client IP, and per email from one IP; `perEmail` is also the guesses one IP gets at a code. */
const SIGN_IN_LIMITS = { perIp: 20, perEmail: 1, perEmailWindowMs: MINUTE };
const VERIFY_LIMITS = { perIp: 30, perEmail: MAX_ATTEMPTS, perEmailWindowMs: CODE_TTL_MS };

/**
 * Sign-in throttles count the requesting IP and the email from that IP, for members and strangers
 * alike, and never the email alone: a limit on an email is a lock anybody could put on a member
 * from elsewhere, while their own sign-in from their own IP keeps its own budget.
 */
function signInThrottles(route: string, client: string, email: string, limits: typeof SIGN_IN_LIMITS): Limit[] {
  return [
    { key: `${route}:ip:${client}`, limit: limits.perIp, windowMs: 10 * MINUTE },
    {
      key: `${route}:email-ip:${client}:${normalizeEmail(email)}`,
      limit: limits.perEmail,
      windowMs: limits.perEmailWindowMs,
    },
  ];
}

/** Admin API: dashboard sign-in, the member's sessions, and the team. */
export function memberRoutes(deps: Deps): FastifyPluginAsync {
  return async (app) => {
    const client = (request: FastifyRequest) => ({ ip: request.ip, requestId: request.id });
    const secure = (request: FastifyRequest) => request.protocol === "https";

    /** Hands the asking browser its attempt secret, without which its emailed code is useless. */
    const setAttemptCookie = (request: FastifyRequest, reply: FastifyReply, attempt: string) =>
      reply.header(
        "set-cookie",
        sessionCookie(SIGN_IN_ATTEMPT_COOKIE, attempt, {
          maxAgeSeconds: CODE_TTL_MS / 1000,
          secure: secure(request),
          path: ATTEMPT_COOKIE_PATH,
        }),
      );
    const attemptOf = (request: FastifyRequest) => readCookie(request.headers.cookie, SIGN_IN_ATTEMPT_COOKIE);

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
          organizationId: principal.organizationId,
          email: principal.email,
          role: principal.role,
          createdAt: principal.memberCreatedAt,
          lastSignedInAt: principal.lastSignedInAt,
        }),
        organization: { id: organization.id, name: organization.name, plan: organization.plan },
        session: sessionView(principal.session, principal.session.id),
        csrfToken: csrfTokenOf(deps, principal.session.id),
      };
    };

    const signIn = async (request: FastifyRequest, reply: FastifyReply, member: Member) => {
      const userAgent = request.headers["user-agent"] ?? null;
      const started = await startDashboardSession(deps, member, { ip: request.ip, userAgent });
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

    addRoute(app, routes.signIn, async (request, reply) => {
      await enforceLimits(
        deps.limiter,
        reply,
        signInThrottles("dashboard-sign-in", clientOf(deps, request), request.body.email, SIGN_IN_LIMITS),
      );
      setAttemptCookie(request, reply, await requestSignIn(deps, request.body.email));
      return reply.code(202).send({ sent: true as const });
    });

    addRoute(app, routes.verifySignIn, async (request, reply) => {
      await enforceLimits(
        deps.limiter,
        reply,
        signInThrottles("dashboard-verify", clientOf(deps, request), request.body.email, VERIFY_LIMITS),
      );
      const { email, code } = request.body;
      const row = await verifySignIn(deps, { attempt: attemptOf(request), email, code: code.trim() }, client(request));
      return signIn(request, reply, row);
    });

    addRoute(app, routes.signOut, async (request, reply) => {
      const principal = memberOf(request);
      await endSession(deps, principal, principal.session.id, "member.signed_out", actorOf(request));
      reply.header("set-cookie", sessionCookie(DASHBOARD_COOKIE, "", { maxAgeSeconds: 0, secure: secure(request) }));
      return reply.code(204).send(null);
    });

    addRoute(app, routes.getDashboardMe, async (request) => meOf(memberOf(request)));

    addRoute(app, routes.listDashboardSessions, async (request) => {
      const principal = memberOf(request);
      const now = deps.clock.now();
      const sessions = await listLiveSessions(deps.db, principal.organizationId, principal.memberId, isoAt(now));
      const data = sessions
        .map((session) => sessionView(session, principal.session.id))
        .filter((view) => Date.parse(view.idleExpiresAt) > now);
      return { data };
    });

    addRoute(app, routes.revokeDashboardSession, async (request, reply) => {
      const revoked = await endSession(
        deps,
        memberOf(request),
        request.params.id,
        "member.session_revoked",
        actorOf(request),
      );
      if (!revoked) throw errors.resourceNotFound("Session");
      return reply.code(204).send(null);
    });

    addRoute(app, routes.listMembers, async (request) => ({
      data: (await listMembers(deps.db, memberOf(request).organizationId)).map(memberView),
    }));

    addRoute(app, routes.updateMember, async (request) =>
      changeRole(deps, memberOf(request), request.params.id, request.body.role, actorOf(request)),
    );

    addRoute(app, routes.removeMember, async (request, reply) => {
      await removeMember(deps, memberOf(request), request.params.id, actorOf(request));
      return reply.code(204).send(null);
    });

    addRoute(app, routes.listInvitations, async (request) => ({
      data: (await listPendingInvitations(deps.db, memberOf(request).organizationId, isoAt(deps.clock.now()))).map(
        invitationView,
      ),
    }));

    addRoute(app, routes.createInvitation, async (request, reply) => {
      const created = await invite(deps, memberOf(request), request.body, actorOf(request));
      // From configuration, never the request's Host: a forged Host would point the link at someone else.
      const acceptUrl = `${deps.config.publicAdminUrl}/dashboard/accept-invitation?code=${created.code}`;
      return reply.code(201).send({ ...created, acceptUrl });
    });

    addRoute(app, routes.revokeInvitation, async (request, reply) => {
      await revokeInvitation(deps, memberOf(request), request.params.id, actorOf(request));
      return reply.code(204).send(null);
    });

    const invitationLimit = (route: string, request: FastifyRequest, limit: number): Limit[] => [
      { key: `${route}:ip:${clientOf(deps, request)}`, limit, windowMs: 10 * MINUTE },
    ];

    addRoute(app, routes.previewInvitation, async (request, reply) => {
      await enforceLimits(deps.limiter, reply, invitationLimit("dashboard-invitation-preview", request, 60));
      return previewInvitation(deps, request.body.code);
    });

    addRoute(app, routes.acceptInvitation, async (request, reply) => {
      await enforceLimits(deps.limiter, reply, invitationLimit("dashboard-accept", request, 20));
      setAttemptCookie(request, reply, await requestInvitationCode(deps, request.body.code));
      return reply.code(202).send({ sent: true as const });
    });

    addRoute(app, routes.verifyInvitation, async (request, reply) => {
      await enforceLimits(deps.limiter, reply, invitationLimit("dashboard-accept-verify", request, 30));
      const input = {
        code: request.body.code,
        attempt: attemptOf(request),
        verificationCode: request.body.verificationCode.trim(),
      };
      return signIn(request, reply, await acceptInvitation(deps, input, client(request)));
    });
  };
}
