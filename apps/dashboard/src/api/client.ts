import type { Route, RouteDefinition, RouteInput, RouteOutput } from "@fanfare/contract/routes";
import { FanfareError, Http } from "@fanfare/sdk";
import { ApiError } from "./api-error";
import { currentMode } from "./mode";

/** Calls whose 401 is an answer to show, not a sign that the session ended. */
const OWN_401 = [
  "/dashboard/me",
  "/dashboard/sign-in",
  "/dashboard/sign-in/verify",
  "/dashboard/invitations/preview",
  "/dashboard/invitations/accept",
  "/dashboard/invitations/accept/verify",
];

let csrfToken: string | undefined;
let onSessionEnded: () => void = () => {};

/** Remembered from `GET /dashboard/me` and sign-in; state-changing requests must repeat it. */
export function setCsrfToken(token: string | undefined): void {
  csrfToken = token;
}

export function onUnauthorized(handler: () => void): void {
  onSessionEnded = handler;
}

/**
 * The SDK's HTTP layer with the dashboard's credential: the session cookie (same origin), the
 * CSRF token on every state-changing request, and the mode whose data the page shows. No
 * retries: a person is waiting and sees the error.
 */
const http = new Http({
  baseUrl: globalThis.location?.origin ?? "http://localhost",
  timeoutMs: 30_000,
  maxRetries: 0,
  fetch: (input, init) => globalThis.fetch(input, init),
  cookies: true,
  credential: (method) => ({
    "X-Fanfare-Mode": currentMode(),
    ...(method !== "GET" && csrfToken ? { "X-CSRF-Token": csrfToken } : {}),
  }),
});

/** The SDK's error as the dashboard shows it; a 401 on a page's call means the session ended. */
function shown(err: unknown, path: string): unknown {
  if (!(err instanceof FanfareError)) return err;
  if (err.status === 0) return new ApiError({ kind: "network" });
  if (err.status === 401 && !OWN_401.includes(path)) onSessionEnded();
  return new ApiError({
    kind: "http",
    status: err.status,
    body: err.body ?? undefined,
    retryAfterHeader: err.retryAfter === null ? null : String(err.retryAfter),
  });
}

/** The admin API, same origin, authenticated by the dashboard cookie. */
export const api = {
  /** A route of the contract: its input and answer typed by the route's schemas. */
  call: async <D extends RouteDefinition>(route: Route<D>, input: RouteInput<D>): Promise<RouteOutput<D>> => {
    try {
      return await http.call(route, input);
    } catch (err) {
      throw shown(err, route.path);
    }
  },
};
