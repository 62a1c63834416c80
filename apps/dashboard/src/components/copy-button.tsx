import { useState } from "react";

type CopyState = "idle" | "copied" | "unavailable";

/** Copies `value`; where the clipboard is out of reach it says how to copy by hand instead. */
export function CopyButton({ value, label = "Copy" }: { value: string; label?: string }) {
  const [state, setState] = useState<CopyState>("idle");

  const copy = async () => {
    try {
      if (!navigator.clipboard) throw new Error("clipboard unavailable");
      await navigator.clipboard.writeText(value);
      setState("copied");
    } catch {
      setState("unavailable");
    }
  };

  return (
    <span className="copy">
      <button type="button" className="button button-small" onClick={copy}>
        {state === "copied" ? "Copied" : label}
      </button>
      <span role="status" className="copy-status">
        {state === "unavailable" ? "Copying is not available here — select the text and copy it by hand." : ""}
      </span>
    </span>
  );
}
