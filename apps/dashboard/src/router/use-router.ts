import { useSyncExternalStore } from "react";

/** Fired after our own pushState/replaceState, which (unlike going back) emit no event. */
const NAVIGATE_EVENT = "fanfare:navigate";

function subscribe(onChange: () => void): () => void {
  window.addEventListener("popstate", onChange);
  window.addEventListener(NAVIGATE_EVENT, onChange);
  return () => {
    window.removeEventListener("popstate", onChange);
    window.removeEventListener(NAVIGATE_EVENT, onChange);
  };
}

const snapshot = () => `${window.location.pathname}${window.location.search}`;

export function navigate(to: string, options: { replace?: boolean } = {}): void {
  if (to === snapshot()) return;
  if (options.replace) window.history.replaceState(null, "", to);
  else window.history.pushState(null, "", to);
  window.dispatchEvent(new Event(NAVIGATE_EVENT));
}

export interface Location {
  /** Without a trailing slash, so `/dashboard/` and `/dashboard` match alike. */
  path: string;
  query: URLSearchParams;
}

/** The current location, re-rendering on every navigation (ours or the browser's back/forward). */
export function useRouter(): Location {
  const current = useSyncExternalStore(subscribe, snapshot);
  const url = new URL(current, "http://localhost");
  const path = url.pathname.length > 1 ? url.pathname.replace(/\/+$/, "") : url.pathname;
  return { path, query: url.searchParams };
}
