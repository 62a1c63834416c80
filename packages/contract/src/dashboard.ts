import { Type } from "typebox";
import { NullableTimestamp, Timestamp } from "./common.js";

/**
 * Dashboard members and their cookie sessions. Every route lives under `/api/v1/dashboard` on
 * the admin API; the rest of the admin API accepts the same cookie, with the member's role
 * mapped onto scopes and the mode chosen by the `X-Fanfare-Mode` header.
 */
export const MEMBER_ROLES = ["owner", "admin", "editor", "viewer"] as const;
export type MemberRole = (typeof MEMBER_ROLES)[number];
export const MemberRoleSchema = Type.Union([
  Type.Literal("owner"),
  Type.Literal("admin"),
  Type.Literal("editor"),
  Type.Literal("viewer"),
]);

/** The name of the session cookie (HttpOnly, SameSite=Strict, Secure over HTTPS). */
export const DASHBOARD_COOKIE = "fanfare_dashboard";
/**
 * Set by `POST /dashboard/sign-in` and `POST /dashboard/invitations/accept` (HttpOnly,
 * SameSite=Strict, Secure over HTTPS, 10 minutes): the emailed code only works from the browser
 * that holds it, so guesses from anywhere else never reach, or use up, that code.
 */
export const SIGN_IN_ATTEMPT_COOKIE = "fanfare_sign_in";
/** State-changing requests authenticated by the cookie must repeat the session's CSRF token here. */
export const CSRF_HEADER = "x-csrf-token";
/** Which mode's data a cookie-authenticated request works on: `live` (default) or `test`. */
export const MODE_HEADER = "x-fanfare-mode";

const Email = Type.String({ minLength: 3, maxLength: 254, format: "email" });

export const MemberView = Type.Object({
  id: Type.String(),
  object: Type.Literal("member"),
  email: Type.String(),
  role: MemberRoleSchema,
  createdAt: Timestamp,
  lastSignedInAt: NullableTimestamp,
});

export const DashboardSessionView = Type.Object({
  id: Type.String(),
  object: Type.Literal("dashboard_session"),
  current: Type.Boolean(),
  createdAt: Timestamp,
  lastSeenAt: Timestamp,
  /** When it ends if unused: inactivity pushes this forward, up to `expiresAt`. */
  idleExpiresAt: Timestamp,
  expiresAt: Timestamp,
  ip: Type.Union([Type.String(), Type.Null()]),
  userAgent: Type.Union([Type.String(), Type.Null()]),
});

/** `GET /dashboard/me` and the sign-in responses. */
export const DashboardMe = Type.Object({
  member: MemberView,
  organization: Type.Object({ id: Type.String(), name: Type.String(), plan: Type.String() }),
  session: DashboardSessionView,
  /** Send back as `X-CSRF-Token` on every POST, PATCH and DELETE. */
  csrfToken: Type.String(),
});

export const SignInBody = Type.Object({ email: Email }, { additionalProperties: false });
export const SignInVerifyBody = Type.Object(
  { email: Email, code: Type.String({ minLength: 1, maxLength: 16 }) },
  { additionalProperties: false },
);

export const InvitationView = Type.Object({
  id: Type.String(),
  object: Type.Literal("invitation"),
  email: Type.String(),
  role: MemberRoleSchema,
  invitedBy: Type.Union([Type.String(), Type.Null()]),
  createdAt: Timestamp,
  expiresAt: Timestamp,
  acceptedAt: NullableTimestamp,
});
/** The create response: the only time the invitation code appears. */
export const InvitationWithCode = Type.Object({
  invitation: InvitationView,
  code: Type.String(),
  acceptUrl: Type.String(),
});
export const CreateInvitationBody = Type.Object(
  { email: Email, role: MemberRoleSchema },
  { additionalProperties: false },
);
/** The invitation code from the accept link (preview and the first step of accepting). */
export const AcceptInvitationBody = Type.Object(
  { code: Type.String({ minLength: 1, maxLength: 100 }) },
  { additionalProperties: false },
);
/** The second step: the invitation code and the code emailed to the invited address. */
export const VerifyInvitationBody = Type.Object(
  {
    code: Type.String({ minLength: 1, maxLength: 100 }),
    verificationCode: Type.String({ minLength: 1, maxLength: 16 }),
  },
  { additionalProperties: false },
);
/** What the accept page shows before anyone accepts. */
export const InvitationPreview = Type.Object({
  email: Type.String(),
  organization: Type.Object({ id: Type.String(), name: Type.String() }),
  role: MemberRoleSchema,
  expiresAt: Timestamp,
});
export const UpdateMemberBody = Type.Object({ role: MemberRoleSchema }, { additionalProperties: false });

export const MemberList = Type.Object({ data: Type.Array(MemberView) });
export const InvitationList = Type.Object({ data: Type.Array(InvitationView) });
export const DashboardSessionList = Type.Object({ data: Type.Array(DashboardSessionView) });
/** A sign-in code was sent, or would have been: the same answer for any email. */
export const SignInSent = Type.Object({ sent: Type.Literal(true) });
