import { MEMBER_ROLES } from "../../api/constants";
import type { Member, MemberRole } from "../../api/types";
import { Badge } from "../../components/badge";
import { Timestamp } from "../../components/timestamp";
import { ROLE_LABELS } from "../../session/permissions";

interface MembersTableProps {
  members: Member[];
  currentMemberId: string;
  /** Without these the member may only read. */
  onRoleChange?: (member: Member, role: MemberRole) => void;
  onRemove?: (member: Member) => void;
}

export function MembersTable({ members, currentMemberId, onRoleChange, onRemove }: MembersTableProps) {
  return (
    <div className="table-scroll">
      <table className="table">
        <thead>
          <tr>
            <th scope="col">Email</th>
            <th scope="col">Role</th>
            <th scope="col">Joined</th>
            <th scope="col">Last sign-in</th>
            {onRemove && (
              <th scope="col">
                <span className="visually-hidden">Actions</span>
              </th>
            )}
          </tr>
        </thead>
        <tbody>
          {members.map((member) => {
            // Changing or removing yourself is left to another owner or admin, so nobody locks themselves out.
            const self = member.id === currentMemberId;
            return (
              <tr key={member.id}>
                <th scope="row">
                  <span className="cell-inline">
                    {member.email}
                    {self && <Badge>You</Badge>}
                  </span>
                </th>
                <td>
                  {onRoleChange && !self ? (
                    <select
                      aria-label={`Role of ${member.email}`}
                      value={member.role}
                      onChange={(event) => onRoleChange(member, event.target.value as MemberRole)}
                    >
                      {MEMBER_ROLES.map((role) => (
                        <option key={role} value={role}>
                          {ROLE_LABELS[role]}
                        </option>
                      ))}
                    </select>
                  ) : (
                    ROLE_LABELS[member.role]
                  )}
                </td>
                <td>
                  <Timestamp iso={member.createdAt} />
                </td>
                <td>
                  <Timestamp iso={member.lastSignedInAt} fallback="Never" />
                </td>
                {onRemove && (
                  <td className="cell-actions">
                    {!self && (
                      <button
                        type="button"
                        className="button button-small button-danger-quiet"
                        aria-label={`Remove ${member.email}`}
                        onClick={() => onRemove(member)}
                      >
                        Remove
                      </button>
                    )}
                  </td>
                )}
              </tr>
            );
          })}
        </tbody>
      </table>
    </div>
  );
}
