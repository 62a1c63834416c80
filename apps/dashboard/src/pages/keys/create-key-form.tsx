import { type FormEvent, useId, useState } from "react";
import { messageOf } from "../../api/api-error";
import { SECRET_SCOPES } from "../../api/constants";
import type { CreateKeyBody, Mode } from "../../api/types";
import { CheckboxChoices } from "../../components/checkbox-choices";
import { InlineError } from "../../components/load-state";
import {
  EXPIRATIONS,
  type Expiration,
  INITIAL_KEY_FORM,
  type KeyFormErrors,
  type KeyFormValues,
  keyFormBody,
  validateKeyForm,
} from "./key-form";

interface CreateKeyFormProps {
  mode: Mode;
  /** Sends the body; a rejection is shown above the buttons. */
  onSubmit: (body: CreateKeyBody) => Promise<void>;
  onCancel: () => void;
  /** The clock expiration dates count from; injectable for tests. */
  now?: () => Date;
}

export function CreateKeyForm({ mode, onSubmit, onCancel, now = () => new Date() }: CreateKeyFormProps) {
  const [values, setValues] = useState<KeyFormValues>(INITIAL_KEY_FORM);
  const [errors, setErrors] = useState<KeyFormErrors>({});
  const [submitError, setSubmitError] = useState<string>();
  const [busy, setBusy] = useState(false);
  const id = useId();

  const update = (change: Partial<KeyFormValues>) => setValues((previous) => ({ ...previous, ...change }));

  const submit = async (event: FormEvent<HTMLFormElement>) => {
    event.preventDefault();
    const found = validateKeyForm(values);
    setErrors(found);
    if (Object.keys(found).length > 0) {
      // Take keyboard and screen-reader users straight to what needs fixing.
      const target = found.name
        ? document.getElementById(`${id}-name`)
        : event.currentTarget.querySelector<HTMLElement>("input[type=checkbox]");
      target?.focus();
      return;
    }
    setBusy(true);
    setSubmitError(undefined);
    try {
      await onSubmit(keyFormBody(values, mode, now()));
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
          required
          value={values.name}
          aria-invalid={errors.name ? true : undefined}
          aria-describedby={errors.name ? `${id}-name-error` : undefined}
          onChange={(event) => update({ name: event.target.value })}
          data-autofocus
        />
        {errors.name && (
          <p id={`${id}-name-error`} className="field-error">
            {errors.name}
          </p>
        )}
      </div>

      <fieldset className="field">
        <legend>Type</legend>
        <div className="choices">
          {(["publishable", "secret"] as const).map((type) => (
            <label key={type} className="choice">
              <input
                type="radio"
                name={`${id}-type`}
                value={type}
                checked={values.type === type}
                onChange={() => update({ type })}
              />
              {type === "publishable" ? "Publishable" : "Secret"}
            </label>
          ))}
        </div>
        <p className="hint">
          {values.type === "publishable"
            ? "For browsers and apps: identifies your organization and can only call the consumer API."
            : "For your servers only: never put a secret key in a browser or app."}
        </p>
      </fieldset>

      {values.type === "secret" && (
        <fieldset className="field" aria-describedby={errors.permissions ? `${id}-permissions-error` : undefined}>
          <legend>Permissions</legend>
          <CheckboxChoices
            className="choices choices-grid"
            options={SECRET_SCOPES}
            selected={values.permissions}
            onChange={(permissions) => update({ permissions })}
          />
          {errors.permissions && (
            <p id={`${id}-permissions-error`} className="field-error">
              {errors.permissions}
            </p>
          )}
        </fieldset>
      )}

      <div className="field">
        <label htmlFor={`${id}-expiration`}>Expiration</label>
        <select
          id={`${id}-expiration`}
          value={values.expiration}
          onChange={(event) => update({ expiration: event.target.value as Expiration })}
        >
          {EXPIRATIONS.map((option) => (
            <option key={option.value} value={option.value}>
              {option.label}
            </option>
          ))}
        </select>
      </div>

      <p className="hint">
        The key is created in <strong>{mode === "test" ? "test" : "live"}</strong> mode.
      </p>
      <InlineError message={submitError} />
      <div className="dialog-actions">
        <button type="button" className="button" onClick={onCancel}>
          Cancel
        </button>
        <button type="submit" className="button button-primary" disabled={busy}>
          Create key
        </button>
      </div>
    </form>
  );
}
