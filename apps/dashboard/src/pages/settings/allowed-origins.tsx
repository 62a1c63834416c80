import { type FormEvent, useId, useState } from "react";
import { messageOf } from "../../api/api-error";
import { InlineError } from "../../components/load-state";
import { isOriginRule } from "./origin-rule";

interface AllowedOriginsProps {
  /** The mode this list is for, in labels ("live", "test"). */
  mode: string;
  origins: readonly string[];
  /** The origins are the mode's default, not a list of the merchant's (test mode until one is saved). */
  isDefault?: boolean;
  editable: boolean;
  onSave: (origins: string[]) => Promise<void>;
  /** Given when the mode has a default the merchant's list replaces. */
  onRestoreDefault?: (() => Promise<void>) | undefined;
}

/** One mode's origins allowed to call the API from a browser; changes are saved together. */
export function AllowedOrigins({ mode, origins, isDefault, editable, onSave, onRestoreDefault }: AllowedOriginsProps) {
  const [draft, setDraft] = useState<string[]>([...origins]);
  const [entry, setEntry] = useState("");
  const [entryError, setEntryError] = useState<string>();
  const [saveError, setSaveError] = useState<string>();
  const [saved, setSaved] = useState(false);
  const [busy, setBusy] = useState(false);
  const id = useId();
  const changed = draft.length !== origins.length || draft.some((origin, index) => origin !== origins[index]);

  const add = (event: FormEvent) => {
    event.preventDefault();
    const origin = entry.trim().replace(/\/+$/, "");
    if (!isOriginRule(origin)) {
      setEntryError(
        "Enter an origin (https://shop.example.com), a host, or a wildcard (*.example.com, http://localhost:*).",
      );
      return;
    }
    if (draft.includes(origin)) {
      setEntryError("This origin is already on the list.");
      return;
    }
    setDraft([...draft, origin]);
    setEntry("");
    setEntryError(undefined);
    setSaved(false);
  };

  const remove = (origin: string) => {
    setDraft(draft.filter((item) => item !== origin));
    setSaved(false);
  };

  const run = async (change: () => Promise<void>) => {
    setBusy(true);
    setSaveError(undefined);
    try {
      await change();
      setSaved(true);
    } catch (error) {
      setSaveError(messageOf(error));
    } finally {
      setBusy(false);
    }
  };

  return (
    <div className="stack">
      {isDefault && !changed && (
        <p className="muted">The default: a developer's machine, on any port. Saving a list of your own replaces it.</p>
      )}
      {draft.length === 0 ? (
        <p className="muted">Any origin — {mode} mode works from every website.</p>
      ) : (
        <ul className="chip-list">
          {draft.map((origin) => (
            <li key={origin} className="chip">
              <span className="mono">{origin}</span>
              {editable && (
                <button
                  type="button"
                  className="chip-remove"
                  aria-label={`Remove ${origin}`}
                  onClick={() => remove(origin)}
                >
                  ×
                </button>
              )}
            </li>
          ))}
        </ul>
      )}
      {editable && (
        <>
          <form className="inline-form" onSubmit={add} noValidate>
            <div className="field">
              <label htmlFor={`${id}-origin`}>Add {mode} origin</label>
              <input
                id={`${id}-origin`}
                value={entry}
                placeholder="https://shop.example.com"
                aria-invalid={entryError ? true : undefined}
                aria-describedby={entryError ? `${id}-origin-error` : undefined}
                onChange={(event) => setEntry(event.target.value)}
              />
              {entryError && (
                <p id={`${id}-origin-error`} className="field-error">
                  {entryError}
                </p>
              )}
            </div>
            <button type="submit" className="button">
              Add
            </button>
          </form>
          <InlineError message={saveError} />
          <div className="cell-inline">
            <button
              type="button"
              className="button button-primary"
              disabled={!changed || busy}
              onClick={() => run(() => onSave(draft))}
            >
              Save {mode} origins
            </button>
            {onRestoreDefault && !isDefault && (
              <button type="button" className="button" disabled={busy} onClick={() => run(onRestoreDefault)}>
                Restore default
              </button>
            )}
            <span role="status" className="muted">
              {saved && !changed ? "Saved" : ""}
            </span>
          </div>
        </>
      )}
    </div>
  );
}
