import type { MemberRole, SecretScope } from "@fanfare/contract";

/** Owners and admins manage keys, webhooks, settings and the team. */
export const isManager = (role: MemberRole): boolean => role === "owner" || role === "admin";

const EDITOR_SCOPES: ReadonlySet<SecretScope> = new Set(["read:experiences", "write:experiences"]);
const READS = new Set(["GET", "HEAD"]);

/**
 * A member's role as scopes: every member reads everything; editors change experiences and
 * queues; only owners and admins change anything else.
 */
export function roleAllows(role: MemberRole, scope: SecretScope, method: string): boolean {
  if (isManager(role) || READS.has(method)) return true;
  return role === "editor" && EDITOR_SCOPES.has(scope);
}

/** Only an owner grants, changes or removes the owner role; admins manage everyone else. */
export function mayAssign(actor: MemberRole, from: MemberRole | null, to: MemberRole | null): boolean {
  if (!isManager(actor)) return false;
  if (actor === "owner") return true;
  return from !== "owner" && to !== "owner";
}
