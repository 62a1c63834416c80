import type { Invitation } from "../../api/types";
import { Timestamp } from "../../components/timestamp";
import { ROLE_LABELS } from "../../session/permissions";

interface InvitationsTableProps {
  invitations: Invitation[];
  onRevoke?: (invitation: Invitation) => void;
}

export function InvitationsTable({ invitations, onRevoke }: InvitationsTableProps) {
  return (
    <div className="table-scroll">
      <table className="table">
        <thead>
          <tr>
            <th scope="col">Email</th>
            <th scope="col">Role</th>
            <th scope="col">Invited</th>
            <th scope="col">Expires</th>
            {onRevoke && (
              <th scope="col">
                <span className="visually-hidden">Actions</span>
              </th>
            )}
          </tr>
        </thead>
        <tbody>
          {invitations.map((invitation) => (
            <tr key={invitation.id}>
              <th scope="row">{invitation.email}</th>
              <td>{ROLE_LABELS[invitation.role]}</td>
              <td>
                <Timestamp iso={invitation.createdAt} />
              </td>
              <td>
                <Timestamp iso={invitation.expiresAt} />
              </td>
              {onRevoke && (
                <td className="cell-actions">
                  <button
                    type="button"
                    className="button button-small button-danger-quiet"
                    aria-label={`Revoke invitation for ${invitation.email}`}
                    onClick={() => onRevoke(invitation)}
                  >
                    Revoke
                  </button>
                </td>
              )}
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}
