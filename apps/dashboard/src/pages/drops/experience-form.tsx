import { type FormEvent, useId, useState } from "react";
import { messageOf } from "../../api/api-error";
import type { Experience } from "../../api/types";
import { InlineError } from "../../components/load-state";
import { fromLocalInput, toLocalInput } from "./local-time";

export interface ExperienceFields {
  name: string;
  openAt: string | null;
  closeAt: string | null;
}

interface ExperienceFormProps {
  initial?: Experience;
  submitLabel: string;
  onSubmit: (fields: ExperienceFields) => Promise<void>;
  onCancel: () => void;
}

/** An experience's name and its optional window. */
export function ExperienceForm({ initial, submitLabel, onSubmit, onCancel }: ExperienceFormProps) {
  const id = useId();
  const [name, setName] = useState(initial?.name ?? "");
  const [openAt, setOpenAt] = useState(toLocalInput(initial?.openAt ?? null));
  const [closeAt, setCloseAt] = useState(toLocalInput(initial?.closeAt ?? null));
  const [nameError, setNameError] = useState<string>();
  const [submitError, setSubmitError] = useState<string>();
  const [busy, setBusy] = useState(false);

  const submit = async (event: FormEvent) => {
    event.preventDefault();
    if (!name.trim()) {
      setNameError("Give the experience a name.");
      document.getElementById(`${id}-name`)?.focus();
      return;
    }
    setNameError(undefined);
    setBusy(true);
    setSubmitError(undefined);
    try {
      await onSubmit({ name: name.trim(), openAt: fromLocalInput(openAt), closeAt: fromLocalInput(closeAt) });
    } catch (failure) {
      setSubmitError(messageOf(failure));
      setBusy(false);
    }
  };

  return (
    <form onSubmit={submit} className="stack" noValidate>
      <div className="field">
        <label htmlFor={`${id}-name`}>Name</label>
        <input
          id={`${id}-name`}
          value={name}
          maxLength={200}
          aria-invalid={nameError ? true : undefined}
          aria-describedby={nameError ? `${id}-name-error` : undefined}
          onChange={(event) => setName(event.target.value)}
        />
        {nameError && (
          <p id={`${id}-name-error`} className="field-error">
            {nameError}
          </p>
        )}
      </div>
      <div className="field">
        <label htmlFor={`${id}-open`}>Opens at (optional)</label>
        <input
          id={`${id}-open`}
          type="datetime-local"
          value={openAt}
          onChange={(event) => setOpenAt(event.target.value)}
        />
      </div>
      <div className="field">
        <label htmlFor={`${id}-close`}>Closes at (optional)</label>
        <input
          id={`${id}-close`}
          type="datetime-local"
          value={closeAt}
          onChange={(event) => setCloseAt(event.target.value)}
        />
      </div>
      <InlineError message={submitError} />
      <div className="dialog-actions">
        <button type="button" className="button" onClick={onCancel}>
          Cancel
        </button>
        <button type="submit" className="button button-primary" disabled={busy}>
          {submitLabel}
        </button>
      </div>
    </form>
  );
}
