import { routes } from "@fanfare/sdk";
import { useState } from "react";
import { messageOf } from "../../api/api-error";
import { api } from "../../api/client";
import type { CreatedInvitation, Invitation, Member, MemberRole } from "../../api/types";
import { ConfirmDialog } from "../../components/confirm-dialog";
import { CopyButton } from "../../components/copy-button";
import { InlineError, LoadState } from "../../components/load-state";
import { ShownOnceDialog } from "../../components/shown-once-dialog";
import { useResource } from "../../components/use-resource";
import { useSession } from "../../session/session-context";
import { InvitationsTable } from "./invitations-table";
import { InviteForm } from "./invite-form";
import { MembersTable } from "./members-table";

type Open = { kind: "invited"; created: CreatedInvitation } | { kind: "remove"; member: Member };

export function TeamPage() {
  const { me, canManage } = useSession();
  const members = useResource(() => api.call(routes.listMembers, {}));
  const invitations = useResource(() => api.call(routes.listInvitations, {}));
  const [open, setOpen] = useState<Open | null>(null);
  const [error, setError] = useState<string>();
  const close = () => setOpen(null);

  /** Runs a change, shows a refusal next to the tables, and reloads so the screen matches the server. */
  const change = async (action: () => Promise<unknown>, reload: () => void) => {
    setError(undefined);
    try {
      await action();
    } catch (failure) {
      setError(messageOf(failure));
    }
    reload();
  };

  const changeRole = (member: Member, role: MemberRole) =>
    change(() => api.call(routes.updateMember, { params: { id: member.id }, body: { role } }), members.reload);

  const revoke = (invitation: Invitation) =>
    change(() => api.call(routes.revokeInvitation, { params: { id: invitation.id } }), invitations.reload);

  const invite = async (body: { email: string; role: MemberRole }) => {
    const created = await api.call(routes.createInvitation, { body });
    setOpen({ kind: "invited", created });
    invitations.reload();
  };

  const remove = async (member: Member) => {
    await api.call(routes.removeMember, { params: { id: member.id } });
    close();
    members.reload();
  };

  return (
    <>
      <div className="page-header">
        <h1>Team</h1>
      </div>
      <InlineError message={error} />

      <section aria-labelledby="members-title">
        <h2 id="members-title">Members</h2>
        <LoadState
          resource={members}
          what="members"
          isEmpty={(data) => data.data.length === 0}
          empty={<p>No members.</p>}
        >
          {({ data }) => (
            <MembersTable
              members={data}
              currentMemberId={me.member.id}
              onRoleChange={canManage ? changeRole : undefined}
              onRemove={canManage ? (member) => setOpen({ kind: "remove", member }) : undefined}
            />
          )}
        </LoadState>
      </section>

      {canManage ? (
        <section className="panel">
          <InviteForm onInvite={invite} />
        </section>
      ) : (
        <p className="hint">Only owners and admins can invite members.</p>
      )}

      <section aria-labelledby="invitations-title">
        <h2 id="invitations-title">Pending invitations</h2>
        <LoadState
          resource={invitations}
          what="invitations"
          isEmpty={(data) => data.data.length === 0}
          empty={<p>No pending invitations.</p>}
        >
          {({ data }) => <InvitationsTable invitations={data} onRevoke={canManage ? revoke : undefined} />}
        </LoadState>
      </section>

      {open?.kind === "invited" && (
        <ShownOnceDialog
          title="Invitation created"
          warning="This code will not be shown again. Send it, or the link, to the person you invited."
          testId="invitation-code"
          secret={open.created.code}
          onDone={close}
        >
          <p>
            {open.created.invitation.email} joins as {open.created.invitation.role} after accepting. The link works
            until the invitation expires.
          </p>
          <div className="secret-row">
            <code className="secret" data-testid="invitation-url">
              {open.created.acceptUrl}
            </code>
            <CopyButton value={open.created.acceptUrl} label="Copy link" />
          </div>
        </ShownOnceDialog>
      )}
      {open?.kind === "remove" && (
        <ConfirmDialog
          title="Remove member"
          confirmLabel="Remove member"
          danger
          onConfirm={() => remove(open.member)}
          onCancel={close}
        >
          <p>{open.member.email} will lose access to this organization. You can invite them again later.</p>
        </ConfirmDialog>
      )}
    </>
  );
}
