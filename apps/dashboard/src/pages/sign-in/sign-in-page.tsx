import { routes } from "@fanfare/sdk";
import { type FormEvent, useId, useState } from "react";
import { messageOf } from "../../api/api-error";
import { api } from "../../api/client";
import { SESSION_ENDED_MESSAGE } from "../../api/error-message";
import type { Me } from "../../api/types";
import { InlineError } from "../../components/load-state";

interface SignInPageProps {
  onSignedIn: (me: Me) => void;
  /** The server ended the session while the member was working (expiry, revocation). */
  sessionEnded?: boolean;
}

/** Email, then the one-time code sent to it, entered in this browser (the code works only here). */
export function SignInPage({ onSignedIn, sessionEnded }: SignInPageProps) {
  const [step, setStep] = useState<"email" | "code">("email");
  const [email, setEmail] = useState("");
  const [code, setCode] = useState("");
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

  const sendCode = (event: FormEvent) => {
    event.preventDefault();
    if (!email.trim()) {
      setError("Enter the email address you were invited with.");
      return;
    }
    void run(async () => {
      await api.call(routes.signIn, { body: { email: email.trim() } });
      setStep("code");
    });
  };

  const verify = (event: FormEvent) => {
    event.preventDefault();
    if (!code.trim()) {
      setError("Enter the code from the email.");
      return;
    }
    void run(async () =>
      onSignedIn(await api.call(routes.verifySignIn, { body: { email: email.trim(), code: code.trim() } })),
    );
  };

  const restart = () => {
    setStep("email");
    setCode("");
    setError(undefined);
  };

  return (
    <main className="auth-page">
      <div className="auth-card">
        <p className="brand">Fanfare</p>
        <h1>Sign in</h1>
        {sessionEnded && (
          <p className="notice notice-info" role="status">
            {SESSION_ENDED_MESSAGE}
          </p>
        )}
        {step === "email" ? (
          <form className="stack" onSubmit={sendCode} noValidate>
            <div className="field">
              <label htmlFor={`${id}-email`}>Email</label>
              <input
                id={`${id}-email`}
                type="email"
                autoComplete="email"
                value={email}
                onChange={(event) => setEmail(event.target.value)}
                // biome-ignore lint/a11y/noAutofocus: the only field of a page the member came to fill in.
                autoFocus
              />
            </div>
            <InlineError message={error} />
            <button type="submit" className="button button-primary button-block" disabled={busy}>
              Send code
            </button>
          </form>
        ) : (
          <form className="stack" onSubmit={verify} noValidate>
            <p>
              If <strong>{email.trim()}</strong> belongs to a member, we sent it a code. It expires in a few minutes.
            </p>
            <div className="field">
              <label htmlFor={`${id}-code`}>Verification code</label>
              <input
                id={`${id}-code`}
                inputMode="numeric"
                autoComplete="one-time-code"
                value={code}
                onChange={(event) => setCode(event.target.value)}
                // biome-ignore lint/a11y/noAutofocus: focus follows the step the member just completed.
                autoFocus
              />
            </div>
            <InlineError message={error} />
            <button type="submit" className="button button-primary button-block" disabled={busy}>
              Sign in
            </button>
            <button type="button" className="button button-quiet button-block" onClick={restart}>
              Use a different email
            </button>
            <p className="hint">In development, the code is printed in the server's terminal.</p>
          </form>
        )}
      </div>
    </main>
  );
}
