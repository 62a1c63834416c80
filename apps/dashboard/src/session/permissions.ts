import type { MemberRole } from "../api/types";

/** Owners and admins manage keys, webhooks, settings and the team; the server has the final say. */
export function canManage(role: MemberRole | undefined): boolean {
  return role === "owner" || role === "admin";
}

/** Editors and above change experiences and queues and act during a drop; viewers watch. */
export function canEdit(role: MemberRole | undefined): boolean {
  return role === "owner" || role === "admin" || role === "editor";
}

export const ROLE_LABELS: Record<MemberRole, string> = {
  owner: "Owner",
  admin: "Admin",
  editor: "Editor",
  viewer: "Viewer",
};
