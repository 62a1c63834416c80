import type { ReactNode } from "react";
import { CopyButton } from "./copy-button";
import { Dialog } from "./dialog";

interface ShownOnceDialogProps {
  secret: string;
  title?: string;
  warning?: string;
  /** Lets end-to-end tests find the secret: "shown-once-key" for keys. */
  testId?: string;
  /** Facts to read before leaving, e.g. when a regenerated key's predecessor stops working. */
  children?: ReactNode;
  /** The owner must drop the secret from its state here: the dialog is its only display. */
  onDone: () => void;
}

/** A secret the server shows exactly once (a new key, a signing secret, an invitation code). */
export function ShownOnceDialog({
  secret,
  title = "Your new API key",
  warning = "This key will not be shown again. Store it somewhere safe now.",
  testId = "shown-once-key",
  children,
  onDone,
}: ShownOnceDialogProps) {
  return (
    <Dialog title={title} onClose={onDone} size="large">
      <div className="stack">
        <p className="warning">{warning}</p>
        <div className="secret-row">
          <code className="secret" data-testid={testId}>
            {secret}
          </code>
          <CopyButton value={secret} />
        </div>
        {children}
        <div className="dialog-actions">
          <button type="button" className="button button-primary" onClick={onDone}>
            Done
          </button>
        </div>
      </div>
    </Dialog>
  );
}
