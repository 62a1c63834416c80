import { route } from "../route.js";

const tags = ["Dashboard"];
const member = { api: "admin", auth: { kind: "member" }, tags } as const;
const open = { api: "admin", auth: { kind: "none" }, tags } as const;

/** The dashboard's sign-in, sessions, members and invitations (admin API, member cookie). */
export const signIn = route({
  ...open,
  method: "POST",
  path: "/dashboard/sign-in",
  summary: "Email a sign-in code to a member (same answer and attempt cookie for any email)",
  body: "SignInBody",
  responses: { 202: "SignInSent" },
  errors: ["rate_limit_exceeded"],
});

export const verifySignIn = route({
  ...open,
  method: "POST",
  path: "/dashboard/sign-in/verify",
  summary: "Sign in with the emailed code, from the browser that asked for it",
  body: "SignInVerifyBody",
  responses: { 200: "DashboardMe" },
  errors: ["otp_invalid", "otp_expired", "rate_limit_exceeded"],
});

export const signOut = route({
  ...member,
  method: "POST",
  path: "/dashboard/sign-out",
  summary: "End this session",
  responses: { 204: "NoContent" },
  revokes: true,
});

export const getDashboardMe = route({
  ...member,
  method: "GET",
  path: "/dashboard/me",
  summary: "The signed-in member and their organization",
  responses: { 200: "DashboardMe" },
});

export const listDashboardSessions = route({
  ...member,
  method: "GET",
  path: "/dashboard/sessions",
  summary: "My live sessions",
  responses: { 200: "DashboardSessionList" },
});

export const revokeDashboardSession = route({
  ...member,
  method: "DELETE",
  path: "/dashboard/sessions/:id",
  summary: "Revoke one of my sessions",
  params: "IdParams",
  responses: { 204: "NoContent" },
  errors: ["not_found"],
  revokes: true,
});

export const listMembers = route({
  ...member,
  method: "GET",
  path: "/dashboard/members",
  summary: "The organization's members",
  responses: { 200: "MemberList" },
});

export const updateMember = route({
  ...member,
  method: "PATCH",
  path: "/dashboard/members/:id",
  summary: "Change a member's role",
  params: "IdParams",
  body: "UpdateMemberBody",
  responses: { 200: "MemberView" },
  errors: ["not_found", "last_owner"],
});

export const removeMember = route({
  ...member,
  method: "DELETE",
  path: "/dashboard/members/:id",
  summary: "Remove a member (or leave)",
  params: "IdParams",
  responses: { 204: "NoContent" },
  errors: ["not_found", "last_owner"],
  revokes: true,
});

export const listInvitations = route({
  ...member,
  method: "GET",
  path: "/dashboard/invitations",
  summary: "Pending invitations",
  responses: { 200: "InvitationList" },
});

export const createInvitation = route({
  ...member,
  method: "POST",
  path: "/dashboard/invitations",
  summary: "Invite a member; the code is shown once and expires in 7 days",
  body: "CreateInvitationBody",
  responses: { 201: "InvitationWithCode" },
  errors: ["already_member"],
});

export const revokeInvitation = route({
  ...member,
  method: "DELETE",
  path: "/dashboard/invitations/:id",
  summary: "Revoke an invitation",
  params: "IdParams",
  responses: { 204: "NoContent" },
  errors: ["not_found"],
});

export const previewInvitation = route({
  ...open,
  method: "POST",
  path: "/dashboard/invitations/preview",
  summary: "What an invitation offers (organization, role, address), before accepting it",
  body: "AcceptInvitationBody",
  responses: { 200: "InvitationPreview" },
  errors: ["invitation_invalid", "rate_limit_exceeded"],
});

export const acceptInvitation = route({
  ...open,
  method: "POST",
  path: "/dashboard/invitations/accept",
  summary: "Accept an invitation: emails a code to the invited address, usable from this browser only",
  body: "AcceptInvitationBody",
  responses: { 202: "SignInSent" },
  errors: ["invitation_invalid", "already_member", "rate_limit_exceeded"],
});

export const verifyInvitation = route({
  ...open,
  method: "POST",
  path: "/dashboard/invitations/accept/verify",
  summary: "Join with the code emailed to the invited address; signs the new member in",
  body: "VerifyInvitationBody",
  responses: { 200: "DashboardMe" },
  errors: ["invitation_invalid", "already_member", "otp_invalid", "otp_expired", "rate_limit_exceeded"],
});
