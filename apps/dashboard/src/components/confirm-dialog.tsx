import { type FormEvent, type ReactNode, useState } from "react";
import { messageOf } from "../api/api-error";
import { Dialog } from "./dialog";
import { InlineError } from "./load-state";

interface ConfirmDialogProps {
  title: string;
  /** The confirm button names the action, e.g. "Delete key". */
  confirmLabel: string;
  danger?: boolean;
  /** Resolves when done; the caller then closes the dialog. A rejection is shown in the dialog. */
  onConfirm: () => Promise<void>;
  onCancel: () => void;
  children: ReactNode;
}

/** Asks before an action with consequences, and reports the server's refusal in place. */
export function ConfirmDialog({ title, confirmLabel, danger, onConfirm, onCancel, children }: ConfirmDialogProps) {
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string>();

  const submit = async (event: FormEvent) => {
    event.preventDefault();
    setBusy(true);
    setError(undefined);
    try {
      await onConfirm();
    } catch (failure) {
      setError(messageOf(failure));
      setBusy(false);
    }
  };

  return (
    <Dialog title={title} onClose={onCancel}>
      <form onSubmit={submit} className="stack">
        {children}
        <InlineError message={error} />
        <div className="dialog-actions">
          <button type="button" className="button" onClick={onCancel} data-autofocus>
            Cancel
          </button>
          <button type="submit" className={danger ? "button button-danger" : "button button-primary"} disabled={busy}>
            {confirmLabel}
          </button>
        </div>
      </form>
    </Dialog>
  );
}
