import { ApiError } from "./api-error";
import { currentMode } from "./mode";

const BASE = "/api/v1";

/** Calls whose 401 is an answer to show, not a sign that the session ended. */
const OWN_401 = ["/dashboard/me", "/dashboard/sign-in", "/dashboard/sign-in/verify", "/dashboard/invitations/accept"];

let csrfToken: string | undefined;
let onSessionEnded: () => void = () => {};

/** Remembered from `GET /dashboard/me` and sign-in; state-changing requests must repeat it. */
export function setCsrfToken(token: string | undefined): void {
  csrfToken = token;
}

export function onUnauthorized(handler: () => void): void {
  onSessionEnded = handler;
}

type Method = "GET" | "POST" | "PATCH" | "PUT" | "DELETE";
type Query = Record<string, string | number | undefined>;

function urlOf(path: string, query?: Query): string {
  const params = new URLSearchParams();
  for (const [name, value] of Object.entries(query ?? {})) {
    if (value !== undefined && value !== "") params.set(name, String(value));
  }
  const search = params.toString();
  return `${BASE}${path}${search ? `?${search}` : ""}`;
}

async function bodyOf(response: Response): Promise<unknown> {
  const raw = await response.text();
  if (!raw) return undefined;
  try {
    return JSON.parse(raw);
  } catch {
    return undefined;
  }
}

async function request<T>(method: Method, path: string, options: { body?: unknown; query?: Query } = {}): Promise<T> {
  const headers: Record<string, string> = { Accept: "application/json", "X-Fanfare-Mode": currentMode() };
  if (method !== "GET" && csrfToken) headers["X-CSRF-Token"] = csrfToken;
  if (options.body !== undefined) headers["Content-Type"] = "application/json";

  let response: Response;
  try {
    response = await fetch(urlOf(path, options.query), {
      method,
      headers,
      credentials: "same-origin",
      body: options.body === undefined ? undefined : JSON.stringify(options.body),
    });
  } catch {
    throw new ApiError({ kind: "network" });
  }

  const body = await bodyOf(response);
  if (!response.ok) {
    if (response.status === 401 && !OWN_401.includes(path)) onSessionEnded();
    throw new ApiError({
      kind: "http",
      status: response.status,
      body,
      retryAfterHeader: response.headers.get("Retry-After"),
    });
  }
  return body as T;
}

/** The admin API, same origin, authenticated by the dashboard cookie. */
export const api = {
  get: <T>(path: string, query?: Query) => request<T>("GET", path, { query }),
  post: <T>(path: string, body?: unknown) => request<T>("POST", path, { body }),
  patch: <T>(path: string, body: unknown) => request<T>("PATCH", path, { body }),
  put: <T>(path: string, body: unknown) => request<T>("PUT", path, { body }),
  delete: <T = void>(path: string) => request<T>("DELETE", path),
};
