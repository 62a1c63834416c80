import { randomBytes } from "node:crypto";
import type { MemberRole } from "@fanfare/contract";
import type { Deps } from "../../deps.js";
import { AppError, errors } from "../../http/errors.js";
import { isoAt } from "../../lib/clock.js";
import { normalizeEmail } from "../../lib/email.js";
import { newId } from "../../lib/ids.js";
import { hmacSha256 } from "../../lib/secrets.js";
import { applyChange, organizationWide } from "../audit/apply-change.js";
import type { Actor } from "../audit/service.js";
import { codeErrors } from "../otp/codes.js";
import { isManager, mayAssign } from "./roles.js";
import type { MemberPrincipal } from "./sessions.js";
import { type CodePurpose, checkSignInCode, issueSignInCode, sendSignInCode } from "./sign-in-codes.js";
import {
  closeInvitation,
  deleteMember,
  findInvitationByDigest,
  findMemberByEmail,
  getMember,
  type Invitation,
  insertInvitation,
  insertMember,
  lockOwners,
  type Member,
  markSignedIn,
  revokeSession,
  setMemberRole,
} from "./store.js";

export const INVITATION_LIFETIME_MS = 7 * 86_400_000;

export const memberErrors = {
  roleForbidden: (role: MemberRole) =>
    new AppError("permission_denied", {
      message: `Your role (${role}) does not allow this. Ask an owner or admin.`,
    }),
  alreadyMember: (email: string) =>
    new AppError("already_member", { message: `${email} is already a member of an organization.` }),
  lastOwner: () =>
    new AppError("last_owner", {
      message: "An organization needs at least one owner: make someone else owner first.",
    }),
  invitationInvalid: () =>
    new AppError("invitation_invalid", {
      message: "This invitation is not valid: it has expired, was revoked or was already used. Ask for a new one.",
    }),
};

/** Membership events are organization-wide; they are recorded in the live audit log. */
const teamChange = (organizationId: string, actor: Actor) => organizationWide({ organizationId, mode: "live" }, actor);

const SIGN_IN: CodePurpose = { kind: "sign-in" };

/** What a member holds open (live streams) is proved again in every process when they change. */
export const memberChanged = (organizationId: string, memberId: string) =>
  ({ type: "member", organizationId, memberId }) as const;

/**
 * Stores a sign-in code for any email and sends it only to a member: members and strangers get
 * the same statements, the same answer and the same time to it. Returns the attempt secret the
 * asking browser must present with the code.
 */
export async function requestSignIn(deps: Deps, email: string): Promise<string> {
  const normalized = normalizeEmail(email);
  const member = await findMemberByEmail(deps.db.kysely, normalized);
  const { attempt, code } = await issueSignInCode(deps, SIGN_IN, normalized);
  if (member) sendSignInCode(deps, member, code);
  return attempt;
}

/** Checks a sign-in code; an unknown email takes the same path and fails exactly like a wrong code. */
export async function verifySignIn(
  deps: Deps,
  input: { attempt: string | undefined; email: string; code: string },
  actor: Omit<Actor, "type" | "id">,
) {
  const normalized = normalizeEmail(input.email);
  const member = await findMemberByEmail(deps.db.kysely, normalized);
  await checkSignInCode(deps, input.attempt, SIGN_IN, normalized, input.code);
  if (!member) throw codeErrors.invalid();
  const signedIn = teamChange(member.organizationId, { type: "member", id: member.id, ...actor });
  await applyChange(deps, signedIn, async (trx, audit) => {
    await markSignedIn(trx, member.organizationId, member.id, isoAt(deps.clock.now()));
    await audit({ action: "member.signed_in", targetType: "member", targetId: member.id });
    return { result: undefined };
  });
  return member;
}

/**
 * Ends one of the member's own dashboard sessions (signing out ends the current one), audited
 * like signing in; a session already ended changes nothing. Whether there was one to end.
 */
export async function endSession(
  deps: Deps,
  principal: MemberPrincipal,
  sessionId: string,
  action: "member.signed_out" | "member.session_revoked",
  actor: Actor,
): Promise<boolean> {
  const { organizationId, memberId } = principal;
  return applyChange(deps, teamChange(organizationId, actor), async (trx, audit) => {
    const now = isoAt(deps.clock.now());
    if (!(await revokeSession(trx, organizationId, { id: sessionId, memberId }, now))) {
      return { result: false, unchanged: true };
    }
    await audit({ action, targetType: "member", targetId: memberId, after: { sessionId } });
    return { result: true, invalidate: [memberChanged(organizationId, memberId)] };
  });
}

const EMAIL = /^[^\s@]+@[^\s@]+\.[^\s@]+$/;

/** Refuses an email that is malformed or already a member somewhere. */
export async function ensureNewMemberEmail(deps: Deps, email: string): Promise<string> {
  const normalized = normalizeEmail(email);
  if (!EMAIL.test(normalized) || normalized.length > 254) {
    throw errors.validation("Invalid email address.", [{ path: "email", message: "must be an email address" }]);
  }
  if (await findMemberByEmail(deps.db.kysely, normalized)) throw memberErrors.alreadyMember(normalized);
  return normalized;
}

/** The first owner of an organization (`fanfare init --owner-email`, development bootstrap). */
export async function addOwner(deps: Deps, organizationId: string, email: string, actor: Actor): Promise<Member> {
  const now = deps.clock.now();
  const member: Member = {
    id: newId("member", now),
    organizationId,
    email: await ensureNewMemberEmail(deps, email),
    role: "owner",
    createdAt: isoAt(now),
    lastSignedInAt: null,
  };
  return applyChange(deps, teamChange(organizationId, actor), async (trx, audit) => {
    await insertMember(trx, member);
    await audit({ action: "member.added", targetType: "member", targetId: member.id, after: memberView(member) });
    return { result: member };
  });
}

export function memberView(member: Member) {
  return {
    id: member.id,
    object: "member" as const,
    email: member.email,
    role: member.role,
    createdAt: member.createdAt,
    lastSignedInAt: member.lastSignedInAt,
  };
}

const invitationDigest = (deps: Deps, code: string) =>
  hmacSha256(deps.secrets["token-digest"], `invitation|${code}`).toString("base64url");

export function invitationView(invitation: Invitation) {
  return {
    id: invitation.id,
    object: "invitation" as const,
    email: invitation.email,
    role: invitation.role,
    invitedBy: invitation.invitedBy,
    createdAt: invitation.createdAt,
    expiresAt: invitation.expiresAt,
    acceptedAt: invitation.acceptedAt,
  };
}

function requireManager(principal: MemberPrincipal): void {
  if (!isManager(principal.role)) throw memberErrors.roleForbidden(principal.role);
}

/** Invites an email with a role; the code is returned once and only its digest is kept. */
export async function invite(
  deps: Deps,
  principal: MemberPrincipal,
  input: { email: string; role: MemberRole },
  actor: Actor,
) {
  if (!mayAssign(principal.role, null, input.role)) throw memberErrors.roleForbidden(principal.role);
  const email = normalizeEmail(input.email);
  if (await findMemberByEmail(deps.db.kysely, email)) throw memberErrors.alreadyMember(email);
  const now = deps.clock.now();
  const code = `inv_${randomBytes(24).toString("base64url")}`;
  const invitation: Invitation = {
    id: newId("invitation", now),
    organizationId: principal.organizationId,
    email,
    role: input.role,
    codeDigest: invitationDigest(deps, code),
    invitedBy: principal.memberId,
    createdAt: isoAt(now),
    expiresAt: isoAt(now + INVITATION_LIFETIME_MS),
    acceptedAt: null,
    revokedAt: null,
  };
  const view = invitationView(invitation);
  await applyChange(deps, teamChange(principal.organizationId, actor), async (trx, audit) => {
    await insertInvitation(trx, invitation);
    await audit({ action: "member.invited", targetType: "invitation", targetId: invitation.id, after: view });
    return { result: undefined };
  });
  return { invitation: view, code };
}

export async function revokeInvitation(deps: Deps, principal: MemberPrincipal, id: string, actor: Actor) {
  requireManager(principal);
  await applyChange(deps, teamChange(principal.organizationId, actor), async (trx, audit) => {
    if (!(await closeInvitation(trx, principal.organizationId, id, { revoked_at: isoAt(deps.clock.now()) }))) {
      throw errors.resourceNotFound("Invitation");
    }
    await audit({ action: "invitation.revoked", targetType: "invitation", targetId: id });
    return { result: undefined };
  });
}

/** The invitation a code names while it can still be accepted; 404 `invitation_invalid` otherwise. */
async function pendingInvitation(deps: Deps, code: string): Promise<Invitation> {
  const invitation = await findInvitationByDigest(deps.db.kysely, invitationDigest(deps, code));
  const pending = invitation && invitation.acceptedAt === null && invitation.revokedAt === null;
  if (!pending || Date.parse(invitation.expiresAt) <= deps.clock.now()) throw memberErrors.invitationInvalid();
  return invitation;
}

const invitationPurpose = (invitation: Invitation): CodePurpose => ({
  kind: "invitation",
  invitationId: invitation.id,
});

/** What the accept page shows before anyone accepts: the organization, the role and the address. */
export async function previewInvitation(deps: Deps, code: string) {
  const invitation = await pendingInvitation(deps, code);
  const organization = await deps.organizations.get(invitation.organizationId);
  return {
    email: invitation.email,
    organization: { id: invitation.organizationId, name: organization?.name ?? "" },
    role: invitation.role,
    expiresAt: invitation.expiresAt,
  };
}

/**
 * Starts accepting: emails a code to the invited address, bound to the asking browser. The
 * invitation code alone proves nothing (the inviter holds it too); the emailed code proves the
 * mailbox. Returns the attempt secret for the browser's cookie.
 */
export async function requestInvitationCode(deps: Deps, code: string): Promise<string> {
  const invitation = await pendingInvitation(deps, code);
  if (await findMemberByEmail(deps.db.kysely, invitation.email)) throw memberErrors.alreadyMember(invitation.email);
  const issued = await issueSignInCode(deps, invitationPurpose(invitation), invitation.email);
  sendSignInCode(deps, invitation, issued.code);
  return issued.attempt;
}

/**
 * Turns a pending invitation into a membership once the emailed code proves the invited mailbox;
 * the new member is signed in by the same proof.
 */
export async function acceptInvitation(
  deps: Deps,
  input: { code: string; attempt: string | undefined; verificationCode: string },
  client: Omit<Actor, "type" | "id">,
): Promise<Member> {
  const invitation = await pendingInvitation(deps, input.code);
  await checkSignInCode(deps, input.attempt, invitationPurpose(invitation), invitation.email, input.verificationCode);
  const now = deps.clock.now();
  const member: Member = {
    id: newId("member", now),
    organizationId: invitation.organizationId,
    email: invitation.email,
    role: invitation.role,
    createdAt: isoAt(now),
    lastSignedInAt: isoAt(now),
  };
  const joined = teamChange(member.organizationId, { type: "member", id: member.id, ...client });
  return applyChange(deps, joined, async (trx, audit) => {
    // Closing only succeeds on a pending invitation: of two concurrent acceptances, one wins.
    if (!(await closeInvitation(trx, invitation.organizationId, invitation.id, { accepted_at: isoAt(now) }))) {
      throw memberErrors.invitationInvalid();
    }
    if (await findMemberByEmail(trx, invitation.email)) {
      throw memberErrors.alreadyMember(invitation.email);
    }
    await insertMember(trx, member);
    await audit({ action: "member.joined", targetType: "member", targetId: member.id, after: memberView(member) });
    return { result: member };
  });
}

async function targetOf(deps: Deps, principal: MemberPrincipal, id: string): Promise<Member> {
  const target = await getMember(deps.db.kysely, principal.organizationId, id);
  if (!target) throw errors.resourceNotFound("Member");
  return target;
}

/** Refuses a change that would leave the organization without an owner; call with the owners locked. */
function keepAnOwner(owners: string[], id: string, staysOwner: boolean): void {
  if (owners.includes(id) && !staysOwner && owners.length <= 1) throw memberErrors.lastOwner();
}

export async function changeRole(deps: Deps, principal: MemberPrincipal, id: string, role: MemberRole, actor: Actor) {
  const target = await targetOf(deps, principal, id);
  if (!mayAssign(principal.role, target.role, role)) throw memberErrors.roleForbidden(principal.role);
  const after = { ...target, role };
  await applyChange(deps, teamChange(principal.organizationId, actor), async (trx, audit) => {
    keepAnOwner(await lockOwners(deps.db, trx, principal.organizationId), id, role === "owner");
    await setMemberRole(trx, principal.organizationId, id, role);
    await audit({
      action: "member.role_changed",
      targetType: "member",
      targetId: id,
      before: memberView(target),
      after: memberView(after),
    });
    return { result: undefined, invalidate: [memberChanged(principal.organizationId, id)] };
  });
  return memberView(after);
}

/** Removes a member (or lets one leave) and ends their sessions with the membership. */
export async function removeMember(deps: Deps, principal: MemberPrincipal, id: string, actor: Actor) {
  const target = await targetOf(deps, principal, id);
  const leaving = target.id === principal.memberId;
  if (!leaving && !mayAssign(principal.role, target.role, null)) throw memberErrors.roleForbidden(principal.role);
  await applyChange(deps, teamChange(principal.organizationId, actor), async (trx, audit) => {
    keepAnOwner(await lockOwners(deps.db, trx, principal.organizationId), id, false);
    await deleteMember(trx, principal.organizationId, id);
    await audit({ action: "member.removed", targetType: "member", targetId: id, before: memberView(target) });
    return { result: undefined, invalidate: [memberChanged(principal.organizationId, id)] };
  });
}
