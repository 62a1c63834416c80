import { type FormEvent, useId, useState } from "react";
import { messageOf } from "../../api/api-error";
import { MEMBER_ROLES } from "../../api/constants";
import type { MemberRole } from "../../api/types";
import { InlineError } from "../../components/load-state";
import { ROLE_LABELS } from "../../session/permissions";

interface InviteFormProps {
  onInvite: (body: { email: string; role: MemberRole }) => Promise<void>;
}

const EMAIL = /^[^\s@]+@[^\s@]+\.[^\s@]+$/;

export function InviteForm({ onInvite }: InviteFormProps) {
  const [email, setEmail] = useState("");
  const [role, setRole] = useState<MemberRole>("viewer");
  const [emailError, setEmailError] = useState<string>();
  const [submitError, setSubmitError] = useState<string>();
  const [busy, setBusy] = useState(false);
  const id = useId();

  const submit = async (event: FormEvent) => {
    event.preventDefault();
    const address = email.trim();
    if (!EMAIL.test(address)) {
      setEmailError("Enter an email address like name@example.com.");
      return;
    }
    setEmailError(undefined);
    setSubmitError(undefined);
    setBusy(true);
    try {
      await onInvite({ email: address, role });
      setEmail("");
    } catch (failure) {
      setSubmitError(messageOf(failure));
    } finally {
      setBusy(false);
    }
  };

  return (
    <form className="stack" onSubmit={submit} noValidate aria-labelledby={`${id}-title`}>
      <h2 id={`${id}-title`}>Invite member</h2>
      <div className="inline-form">
        <div className="field">
          <label htmlFor={`${id}-email`}>Email</label>
          <input
            id={`${id}-email`}
            type="email"
            autoComplete="off"
            value={email}
            aria-invalid={emailError ? true : undefined}
            aria-describedby={emailError ? `${id}-email-error` : undefined}
            onChange={(event) => setEmail(event.target.value)}
          />
          {emailError && (
            <p id={`${id}-email-error`} className="field-error">
              {emailError}
            </p>
          )}
        </div>
        <div className="field">
          <label htmlFor={`${id}-role`}>Role</label>
          <select id={`${id}-role`} value={role} onChange={(event) => setRole(event.target.value as MemberRole)}>
            {MEMBER_ROLES.map((option) => (
              <option key={option} value={option}>
                {ROLE_LABELS[option]}
              </option>
            ))}
          </select>
        </div>
        <button type="submit" className="button button-primary" disabled={busy}>
          Invite member
        </button>
      </div>
      <InlineError message={submitError} />
    </form>
  );
}
