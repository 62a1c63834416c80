import { routes } from "@fanfare/sdk";
import { type FormEvent, useEffect, useId, useRef, useState } from "react";
import { messageOf } from "../../api/api-error";
import { api } from "../../api/client";
import type { InvitationAccepted } from "../../api/types";
import { InlineError } from "../../components/load-state";

interface AcceptInvitationPageProps {
  initialCode: string;
  onAccepted: (accepted: InvitationAccepted) => void;
}

/**
 * Opening the invitation link accepts it at once; the form is there for a code typed by hand
 * or a link that failed. Accepting grants nothing by itself: signing in still needs the code
 * sent to the invited address.
 */
export function AcceptInvitationPage({ initialCode, onAccepted }: AcceptInvitationPageProps) {
  const [code, setCode] = useState(initialCode);
  const [error, setError] = useState<string>();
  const [busy, setBusy] = useState(false);
  const id = useId();
  const started = useRef(false);
  const onAcceptedRef = useRef(onAccepted);
  onAcceptedRef.current = onAccepted;

  const accept = async (value: string) => {
    setBusy(true);
    setError(undefined);
    try {
      onAcceptedRef.current(await api.call(routes.acceptInvitation, { body: { code: value } }));
    } catch (failure) {
      setError(messageOf(failure));
      setBusy(false);
    }
  };

  // biome-ignore lint/correctness/useExhaustiveDependencies: runs once for the code in the link; the ref keeps Strict Mode from accepting twice.
  useEffect(() => {
    if (started.current || !initialCode.trim()) return;
    started.current = true;
    void accept(initialCode.trim());
  }, []);

  const submit = (event: FormEvent) => {
    event.preventDefault();
    if (!code.trim()) {
      setError("Enter the invitation code you received.");
      return;
    }
    void accept(code.trim());
  };

  return (
    <main className="auth-page">
      <div className="auth-card">
        <p className="brand">Fanfare</p>
        <h1>Accept invitation</h1>
        <form className="stack" onSubmit={submit} noValidate>
          <p>You were invited to join an organization on Fanfare.</p>
          <div className="field">
            <label htmlFor={`${id}-code`}>Invitation code</label>
            <input
              id={`${id}-code`}
              autoComplete="off"
              value={code}
              onChange={(event) => setCode(event.target.value)}
            />
          </div>
          {busy && (
            <p role="status" className="muted">
              Accepting the invitation…
            </p>
          )}
          <InlineError message={error} />
          <button type="submit" className="button button-primary button-block" disabled={busy}>
            Accept invitation
          </button>
        </form>
      </div>
    </main>
  );
}
