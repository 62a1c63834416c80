import { routes } from "@fanfare/sdk";
import { useId, useState } from "react";
import { api } from "../../api/client";
import type { ApiKey, ApiKeySecret } from "../../api/types";
import { ConfirmDialog } from "../../components/confirm-dialog";

export type KeyAction = "regenerate" | "deactivate" | "activate" | "delete";

export const GRACE_PERIODS = [
  { seconds: 0, label: "None" },
  { seconds: 3_600, label: "1 hour" },
  { seconds: 86_400, label: "24 hours" },
  { seconds: 604_800, label: "7 days" },
] as const;

const TEXT: Record<KeyAction, { title: string; confirm: string; danger: boolean }> = {
  regenerate: { title: "Regenerate API key", confirm: "Regenerate key", danger: true },
  deactivate: { title: "Deactivate API key", confirm: "Deactivate key", danger: true },
  activate: { title: "Activate API key", confirm: "Activate key", danger: false },
  delete: { title: "Delete API key", confirm: "Delete key", danger: true },
};

interface KeyActionDialogProps {
  action: KeyAction;
  apiKey: ApiKey;
  /** Called once the server agreed; a regeneration passes the new key to show once. */
  onDone: (regenerated?: ApiKeySecret) => void;
  onCancel: () => void;
}

/** Confirms a key's lifecycle change, states its consequence, and performs it. */
export function KeyActionDialog({ action, apiKey, onDone, onCancel }: KeyActionDialogProps) {
  const [grace, setGrace] = useState(0);
  const graceId = useId();
  const params = { id: apiKey.id };
  const text = TEXT[action];

  const confirm = async () => {
    if (action === "regenerate") {
      onDone(await api.call(routes.regenerateApiKey, { params, body: { gracePeriodSeconds: grace } }));
      return;
    }
    if (action === "delete") await api.call(routes.deleteApiKey, { params });
    else if (action === "activate") await api.call(routes.activateApiKey, { params });
    else await api.call(routes.deactivateApiKey, { params });
    onDone();
  };

  const graceLabel = GRACE_PERIODS.find((period) => period.seconds === grace)?.label;
  return (
    <ConfirmDialog
      title={text.title}
      confirmLabel={text.confirm}
      danger={text.danger}
      onConfirm={confirm}
      onCancel={onCancel}
    >
      <p>
        Key <strong>{apiKey.name}</strong> <code className="mono">{apiKey.displayHint}</code>
      </p>
      {action === "regenerate" && (
        <>
          <p>A new key replaces this one. Update every place that uses it.</p>
          <div className="field">
            <label htmlFor={graceId}>Grace period</label>
            <select id={graceId} value={grace} onChange={(event) => setGrace(Number(event.target.value))}>
              {GRACE_PERIODS.map((period) => (
                <option key={period.seconds} value={period.seconds}>
                  {period.label}
                </option>
              ))}
            </select>
          </div>
          <p className="consequence" aria-live="polite">
            {grace === 0
              ? "The current key stops working immediately."
              : `The current key keeps working for ${graceLabel}, for data only: it can no longer manage keys, webhooks or settings.`}
          </p>
        </>
      )}
      {action === "deactivate" && (
        <p className="consequence">Requests with this key will be refused until you activate it again.</p>
      )}
      {action === "activate" && <p className="consequence">Requests with this key will be accepted again.</p>}
      {action === "delete" && (
        <p className="consequence">This cannot be undone. Requests with this key will be refused.</p>
      )}
    </ConfirmDialog>
  );
}
