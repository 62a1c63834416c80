import { routes } from "@fanfare/sdk";
import { type FormEvent, useEffect, useId, useState } from "react";
import { messageOf } from "../../api/api-error";
import { api } from "../../api/client";
import type { InvitationOffer, Me } from "../../api/types";
import { InlineError } from "../../components/load-state";
import { ROLE_LABELS } from "../../session/permissions";

interface AcceptInvitationPageProps {
  initialCode: string;
  onJoined: (me: Me) => void;
}

type Step =
  | { name: "code" | "loading" }
  | { name: "confirm"; offer: InvitationOffer }
  | { name: "verify"; offer: InvitationOffer };

/**
 * Shows what the invitation offers and asks before accepting: opening the link changes nothing.
 * Accepting emails a code to the invited address, and only that code, entered in this browser,
 * joins, so whoever holds the link without the mailbox (the inviter, say) cannot take the seat.
 */
export function AcceptInvitationPage({ initialCode, onJoined }: AcceptInvitationPageProps) {
  const [code, setCode] = useState(initialCode.trim());
  const [step, setStep] = useState<Step>({ name: initialCode.trim() ? "loading" : "code" });
  const [verificationCode, setVerificationCode] = useState("");
  const [error, setError] = useState<string>();
  const [busy, setBusy] = useState(false);
  const id = useId();

  const run = async (action: () => Promise<void>) => {
    setBusy(true);
    setError(undefined);
    try {
      await action();
    } catch (failure) {
      setError(messageOf(failure));
    } finally {
      setBusy(false);
    }
  };

  // Looking up the invitation only reads: safe on load, and harmless when Strict Mode runs it twice.
  useEffect(() => {
    const linked = initialCode.trim();
    if (!linked) return;
    let current = true;
    api.call(routes.previewInvitation, { body: { code: linked } }).then(
      (offer) => current && setStep({ name: "confirm", offer }),
      (failure: unknown) => {
        if (!current) return;
        setError(messageOf(failure));
        setStep({ name: "code" });
      },
    );
    return () => {
      current = false;
    };
  }, [initialCode]);

  const lookUp = (event: FormEvent) => {
    event.preventDefault();
    if (!code.trim()) {
      setError("Enter the invitation code you received.");
      return;
    }
    void run(async () => {
      const offer = await api.call(routes.previewInvitation, { body: { code: code.trim() } });
      setStep({ name: "confirm", offer });
    });
  };

  const accept = (offer: InvitationOffer) => (event: FormEvent) => {
    event.preventDefault();
    void run(async () => {
      await api.call(routes.acceptInvitation, { body: { code: code.trim() } });
      setStep({ name: "verify", offer });
    });
  };

  const verify = (event: FormEvent) => {
    event.preventDefault();
    if (!verificationCode.trim()) {
      setError("Enter the code from the email.");
      return;
    }
    void run(async () =>
      onJoined(
        await api.call(routes.verifyInvitation, {
          body: { code: code.trim(), verificationCode: verificationCode.trim() },
        }),
      ),
    );
  };

  return (
    <main className="auth-page">
      <div className="auth-card">
        <p className="brand">Fanfare</p>
        <h1>Accept invitation</h1>
        {step.name === "loading" && (
          <p role="status" className="muted">
            Looking up the invitation…
          </p>
        )}
        {step.name === "code" && (
          <form className="stack" onSubmit={lookUp} noValidate>
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
            <InlineError message={error} />
            <button type="submit" className="button button-primary button-block" disabled={busy}>
              Continue
            </button>
          </form>
        )}
        {step.name === "confirm" && (
          <form className="stack" onSubmit={accept(step.offer)} noValidate>
            <p>
              You were invited to join <strong>{step.offer.organization.name}</strong>.
            </p>
            <dl className="definition-list">
              <div>
                <dt>Organization</dt>
                <dd>{step.offer.organization.name}</dd>
              </div>
              <div>
                <dt>Role</dt>
                <dd>{ROLE_LABELS[step.offer.role]}</dd>
              </div>
              <div>
                <dt>Invited address</dt>
                <dd>{step.offer.email}</dd>
              </div>
            </dl>
            <p className="hint">We will send a code to {step.offer.email} to confirm it is yours.</p>
            <InlineError message={error} />
            <button type="submit" className="button button-primary button-block" disabled={busy}>
              Accept invitation
            </button>
          </form>
        )}
        {step.name === "verify" && (
          <form className="stack" onSubmit={verify} noValidate>
            <p>
              We sent a code to <strong>{step.offer.email}</strong>. Enter it here, in this browser, to join{" "}
              {step.offer.organization.name}. It expires in a few minutes.
            </p>
            <div className="field">
              <label htmlFor={`${id}-verification`}>Verification code</label>
              <input
                id={`${id}-verification`}
                inputMode="numeric"
                autoComplete="one-time-code"
                value={verificationCode}
                onChange={(event) => setVerificationCode(event.target.value)}
                // biome-ignore lint/a11y/noAutofocus: focus follows the step the invitee just completed.
                autoFocus
              />
            </div>
            <InlineError message={error} />
            <button type="submit" className="button button-primary button-block" disabled={busy}>
              Join {step.offer.organization.name}
            </button>
          </form>
        )}
      </div>
    </main>
  );
}
