import type { Mode } from "./types";

const STORAGE_KEY = "fanfare.mode";

function stored(): Mode {
  try {
    return localStorage.getItem(STORAGE_KEY) === "test" ? "test" : "live";
  } catch {
    return "live";
  }
}

let current: Mode | undefined;

/** The mode whose data the dashboard shows; remembered per browser. */
export function currentMode(): Mode {
  current ??= stored();
  return current;
}

export function setMode(mode: Mode): void {
  current = mode;
  try {
    localStorage.setItem(STORAGE_KEY, mode);
  } catch {
    // Storage can be disabled (private windows); the mode then lasts until the page reloads.
  }
}
