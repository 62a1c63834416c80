import { type FormEvent, useId, useState } from "react";
import { messageOf } from "../../api/api-error";
import { WEBHOOK_EVENTS } from "../../api/constants";
import type { CreateWebhookBody } from "../../api/types";
import { CheckboxChoices } from "../../components/checkbox-choices";
import { InlineError } from "../../components/load-state";
import {
  type EndpointFormErrors,
  type EndpointFormValues,
  endpointFormBody,
  validateEndpointForm,
} from "./endpoint-form";

interface AddEndpointFormProps {
  onSubmit: (body: CreateWebhookBody) => Promise<void>;
  onCancel: () => void;
}

export function AddEndpointForm({ onSubmit, onCancel }: AddEndpointFormProps) {
  const [values, setValues] = useState<EndpointFormValues>({ url: "", events: [...WEBHOOK_EVENTS], description: "" });
  const [errors, setErrors] = useState<EndpointFormErrors>({});
  const [submitError, setSubmitError] = useState<string>();
  const [busy, setBusy] = useState(false);
  const id = useId();

  const submit = async (event: FormEvent<HTMLFormElement>) => {
    event.preventDefault();
    const found = validateEndpointForm(values);
    setErrors(found);
    const invalid = (["url", "events", "description"] as const).find((field) => found[field]);
    if (invalid) {
      // Take keyboard and screen-reader users straight to what needs fixing.
      const target =
        invalid === "events"
          ? event.currentTarget.querySelector<HTMLElement>("input[type=checkbox]")
          : document.getElementById(`${id}-${invalid}`);
      target?.focus();
      return;
    }
    setBusy(true);
    setSubmitError(undefined);
    try {
      await onSubmit(endpointFormBody(values));
    } catch (failure) {
      setSubmitError(messageOf(failure));
      setBusy(false);
    }
  };

  const describedBy = (field: keyof EndpointFormErrors) => (errors[field] ? `${id}-${field}-error` : undefined);
  const fieldError = (field: keyof EndpointFormErrors) =>
    errors[field] && (
      <p id={`${id}-${field}-error`} className="field-error">
        {errors[field]}
      </p>
    );

  return (
    <form onSubmit={submit} className="stack" noValidate>
      <div className="field">
        <label htmlFor={`${id}-url`}>URL</label>
        <input
          id={`${id}-url`}
          type="url"
          inputMode="url"
          placeholder="https://example.com/webhooks/fanfare"
          value={values.url}
          aria-invalid={errors.url ? true : undefined}
          aria-describedby={describedBy("url")}
          onChange={(event) => setValues({ ...values, url: event.target.value })}
        />
        {fieldError("url")}
      </div>
      <fieldset className="field" aria-describedby={describedBy("events")}>
        <legend>Events</legend>
        <CheckboxChoices
          options={WEBHOOK_EVENTS}
          selected={values.events}
          onChange={(events) => setValues((previous) => ({ ...previous, events }))}
        />
        {fieldError("events")}
      </fieldset>
      <div className="field">
        <label htmlFor={`${id}-description`}>Description</label>
        <input
          id={`${id}-description`}
          value={values.description}
          aria-invalid={errors.description ? true : undefined}
          aria-describedby={describedBy("description")}
          onChange={(event) => setValues({ ...values, description: event.target.value })}
        />
        {fieldError("description")}
      </div>
      <InlineError message={submitError} />
      <div className="dialog-actions">
        <button type="button" className="button" onClick={onCancel}>
          Cancel
        </button>
        <button type="submit" className="button button-primary" disabled={busy}>
          Add endpoint
        </button>
      </div>
    </form>
  );
}
