import { useCallback, useEffect, useRef, useState } from "react";
import { messageOf } from "../api/api-error";

export type Resource<T> =
  | { status: "loading"; reload: () => void }
  | { status: "error"; error: string; reload: () => void }
  | { status: "ready"; data: T; reload: () => void };

/**
 * Loads data for a page and reloads it on demand. `key` names what is loaded: when it changes
 * the data is fetched again, and answers to older requests are ignored.
 */
export function useResource<T>(load: () => Promise<T>, key = ""): Resource<T> {
  const [state, setState] = useState<
    { status: "loading" } | { status: "error"; error: string } | { status: "ready"; data: T }
  >({ status: "loading" });
  const [attempt, setAttempt] = useState(0);
  const loadRef = useRef(load);
  loadRef.current = load;
  const loadedKey = useRef<string | undefined>(undefined);

  // biome-ignore lint/correctness/useExhaustiveDependencies: key and attempt are the triggers; load is read through a ref.
  useEffect(() => {
    let current = true;
    // A reload keeps the data on screen until the new answer arrives; another key starts afresh.
    const sameKey = loadedKey.current === key;
    loadedKey.current = key;
    setState((previous) => (previous.status === "ready" && sameKey ? previous : { status: "loading" }));
    loadRef.current().then(
      (data) => current && setState({ status: "ready", data }),
      (error: unknown) => current && setState({ status: "error", error: messageOf(error) }),
    );
    return () => {
      current = false;
    };
  }, [key, attempt]);

  const reload = useCallback(() => setAttempt((value) => value + 1), []);
  return { ...state, reload };
}
