import { type FormEvent, useId, useState } from "react";
import { messageOf } from "../../api/api-error";
import type { Queue } from "../../api/types";
import { InlineError } from "../../components/load-state";
import { fromLocalInput, toLocalInput } from "./local-time";

export interface QueueFields {
  name: string;
  openAt: string | null;
  capacity: number | null;
  admissionTtlSeconds: number;
}

interface QueueFormProps {
  initial?: Queue;
  submitLabel: string;
  onSubmit: (fields: QueueFields) => Promise<void>;
  onCancel: () => void;
}

type Errors = Partial<Record<"name" | "capacity" | "window", string>>;

/** A queue's name, open time, capacity and admission window (how long an admitted shopper has to check out). */
export function QueueForm({ initial, submitLabel, onSubmit, onCancel }: QueueFormProps) {
  const id = useId();
  const [name, setName] = useState(initial?.name ?? "");
  const [openAt, setOpenAt] = useState(toLocalInput(initial?.openAt ?? null));
  const [capacity, setCapacity] = useState(initial?.capacity ? String(initial.capacity) : "");
  const [windowMinutes, setWindowMinutes] = useState(String((initial?.admissionTtlSeconds ?? 900) / 60));
  const [errors, setErrors] = useState<Errors>({});
  const [submitError, setSubmitError] = useState<string>();
  const [busy, setBusy] = useState(false);

  const submit = async (event: FormEvent) => {
    event.preventDefault();
    const found: Errors = {};
    if (!name.trim()) found.name = "Give the queue a name.";
    if (capacity && !/^[1-9]\d{0,7}$/.test(capacity))
      found.capacity = "A whole number of places, or empty for no limit.";
    const minutes = Number(windowMinutes);
    if (!Number.isInteger(minutes) || minutes < 1 || minutes > 1440) found.window = "From 1 to 1440 minutes.";
    setErrors(found);
    const invalid = (["name", "capacity", "window"] as const).find((field) => found[field]);
    if (invalid) {
      document.getElementById(`${id}-${invalid}`)?.focus();
      return;
    }
    setBusy(true);
    setSubmitError(undefined);
    try {
      await onSubmit({
        name: name.trim(),
        openAt: fromLocalInput(openAt),
        capacity: capacity ? Number(capacity) : null,
        admissionTtlSeconds: minutes * 60,
      });
    } catch (failure) {
      setSubmitError(messageOf(failure));
      setBusy(false);
    }
  };

  const described = (field: keyof Errors) => (errors[field] ? `${id}-${field}-error` : undefined);
  const fieldError = (field: keyof Errors) =>
    errors[field] && (
      <p id={`${id}-${field}-error`} className="field-error">
        {errors[field]}
      </p>
    );

  return (
    <form onSubmit={submit} className="stack" noValidate>
      <div className="field">
        <label htmlFor={`${id}-name`}>Name</label>
        <input
          id={`${id}-name`}
          value={name}
          maxLength={200}
          aria-invalid={errors.name ? true : undefined}
          aria-describedby={described("name")}
          onChange={(event) => setName(event.target.value)}
        />
        {fieldError("name")}
      </div>
      <div className="field">
        <label htmlFor={`${id}-open`}>Opens at (empty: open now)</label>
        <input
          id={`${id}-open`}
          type="datetime-local"
          value={openAt}
          onChange={(event) => setOpenAt(event.target.value)}
        />
      </div>
      <div className="field">
        <label htmlFor={`${id}-capacity`}>Capacity (places; empty: no limit)</label>
        <input
          id={`${id}-capacity`}
          inputMode="numeric"
          value={capacity}
          aria-invalid={errors.capacity ? true : undefined}
          aria-describedby={described("capacity")}
          onChange={(event) => setCapacity(event.target.value)}
        />
        {fieldError("capacity")}
      </div>
      <div className="field">
        <label htmlFor={`${id}-window`}>Admission window (minutes to check out)</label>
        <input
          id={`${id}-window`}
          inputMode="numeric"
          value={windowMinutes}
          aria-invalid={errors.window ? true : undefined}
          aria-describedby={described("window")}
          onChange={(event) => setWindowMinutes(event.target.value)}
        />
        {fieldError("window")}
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
