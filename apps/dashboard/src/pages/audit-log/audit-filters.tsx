import { type FormEvent, useId, useState } from "react";

export interface AuditFilter {
  action: string;
  actorId: string;
  targetId: string;
}

export const NO_FILTER: AuditFilter = { action: "", actorId: "", targetId: "" };

const FIELDS = [
  { name: "action", label: "Action", placeholder: "api_key.created" },
  { name: "actorId", label: "Actor", placeholder: "mbr_… or key_…" },
  { name: "targetId", label: "Target", placeholder: "key_…" },
] as const;

/** Filters apply on submit, so typing does not fire a request per keystroke. */
export function AuditFilters({ onApply }: { onApply: (filter: AuditFilter) => void }) {
  const [draft, setDraft] = useState<AuditFilter>(NO_FILTER);
  const id = useId();

  const submit = (event: FormEvent) => {
    event.preventDefault();
    onApply({ action: draft.action.trim(), actorId: draft.actorId.trim(), targetId: draft.targetId.trim() });
  };

  const clear = () => {
    setDraft(NO_FILTER);
    onApply(NO_FILTER);
  };

  return (
    <form className="toolbar" onSubmit={submit} aria-label="Filter the audit log">
      {FIELDS.map((field) => (
        <div className="field" key={field.name}>
          <label htmlFor={`${id}-${field.name}`}>{field.label}</label>
          <input
            id={`${id}-${field.name}`}
            value={draft[field.name]}
            placeholder={field.placeholder}
            onChange={(event) => setDraft({ ...draft, [field.name]: event.target.value })}
          />
        </div>
      ))}
      <div className="toolbar-actions">
        <button type="submit" className="button button-primary">
          Apply filters
        </button>
        <button type="button" className="button" onClick={clear}>
          Clear
        </button>
      </div>
    </form>
  );
}
