interface CheckboxChoicesProps<T extends string> {
  options: readonly T[];
  selected: readonly T[];
  /** The new selection: a checked option is added at the end, an unchecked one removed. */
  onChange: (selected: T[]) => void;
  className?: string;
}

/** A checkbox per option, labelled with the option itself (scopes, event types). */
export function CheckboxChoices<T extends string>({
  options,
  selected,
  onChange,
  className = "choices",
}: CheckboxChoicesProps<T>) {
  return (
    <div className={className}>
      {options.map((option) => (
        <label key={option} className="choice">
          <input
            type="checkbox"
            checked={selected.includes(option)}
            onChange={(event) =>
              onChange(event.target.checked ? [...selected, option] : selected.filter((item) => item !== option))
            }
          />
          <span className="mono">{option}</span>
        </label>
      ))}
    </div>
  );
}
