import type { SessionEnvelope } from "./types.js";

/** What the browser client keeps between calls (and, with `localStorage`, between page loads). */
export interface StoredSession {
  session: SessionEnvelope["session"];
  accessToken: string;
  accessTokenExpiresAt: string;
  refreshToken: string;
}

export interface SessionStorage {
  get(): StoredSession | null;
  set(value: StoredSession): void;
  clear(): void;
}

/**
 * The default: tokens live as long as the page (or process).
 * @example
 * const fanfare = new Fanfare({ publishableKey: "pk_live_…", baseUrl: "https://drops.example.com", storage: memoryStorage() });
 */
export function memoryStorage(): SessionStorage {
  let value: StoredSession | null = null;
  return {
    get: () => value,
    set: (next) => {
      value = next;
    },
    clear: () => {
      value = null;
    },
  };
}

/**
 * Opt-in persistence across page loads. Anything that can run script on the page can read
 * `localStorage`, so prefer the default unless sessions must survive a reload.
 * @example
 * const fanfare = new Fanfare({
 *   publishableKey: "pk_live_…",
 *   baseUrl: "https://drops.example.com",
 *   storage: localStorageStorage("shop.fanfare.session"),
 * });
 */
export function localStorageStorage(
  key = "fanfare.session",
  storage: Storage = globalThis.localStorage,
): SessionStorage {
  return {
    get: () => {
      const raw = storage.getItem(key);
      if (!raw) return null;
      try {
        return JSON.parse(raw) as StoredSession;
      } catch {
        return null;
      }
    },
    set: (value) => storage.setItem(key, JSON.stringify(value)),
    clear: () => storage.removeItem(key),
  };
}
