// The catalog and the route definitions alone: the contract's schemas would bring TypeBox into browsers.
import { errorCodeOf } from "@fanfare/contract/errors";
import { pathOf, type Route, type RouteDefinition, type RouteInput, type RouteOutput } from "@fanfare/contract/routes";
import { FanfareError } from "./errors.js";

export interface HttpOptions {
  baseUrl: string;
  timeoutMs: number;
  maxRetries: number;
  /** The `fetch` to use; the global one by default. */
  fetch: typeof fetch;
  /**
   * Headers that prove who is calling, asked for on every attempt: a credential that is not a
   * fixed header (the dashboard's cookie session sends its CSRF token and mode this way).
   */
  credential?: (method: RequestSpec["method"]) => Record<string, string>;
  /** Sends the page's cookies with each request (`fetch`'s `credentials`); a cookie session needs it. */
  cookies?: boolean;
}

export interface RequestSpec {
  method: "GET" | "POST" | "PATCH" | "PUT" | "DELETE";
  path: string;
  query?: Record<string, string | number | undefined> | undefined;
  body?: unknown;
  headers?: Record<string, string> | undefined;
}

const IDEMPOTENT = new Set(["GET", "PUT", "DELETE"]);
const BASE_DELAY_MS = 300;
const MAX_DELAY_MS = 20_000;

function retryAfterSeconds(response: Response): number | null {
  const header = response.headers.get("retry-after");
  if (header === null) return null;
  const seconds = Number(header);
  if (Number.isFinite(seconds)) return Math.max(0, seconds);
  const date = Date.parse(header);
  return Number.isNaN(date) ? null : Math.max(0, (date - Date.now()) / 1000);
}

/**
 * Whether another attempt is safe and useful. A 429 or 503 means the request was not acted on,
 * so any method may be retried; other 5xx and network failures only for idempotent methods,
 * whose repetition cannot do something twice. Other 4xx never: repeating will not fix them.
 */
function retryable(method: string, status: number): boolean {
  if (status === 429 || status === 503) return true;
  return IDEMPOTENT.has(method) && (status === 0 || status >= 500);
}

/** Exponential backoff with full jitter, or the server's `Retry-After` when it gave one. */
function delayMs(attempt: number, retryAfter: number | null): number {
  if (retryAfter !== null) return Math.min(retryAfter * 1000, MAX_DELAY_MS * 3);
  return Math.random() * Math.min(MAX_DELAY_MS, BASE_DELAY_MS * 2 ** attempt);
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

async function errorFrom(response: Response): Promise<FanfareError> {
  let body: Record<string, unknown> | null = null;
  try {
    body = (await response.json()) as Record<string, unknown>;
  } catch {
    body = null;
  }
  const field = typeof body?.error === "string" ? body.error : undefined;
  const code = (field && errorCodeOf(field)) || "unknown_error";
  const message = typeof body?.message === "string" ? body.message : (field ?? `HTTP ${response.status}`);
  return new FanfareError(
    response.status,
    code,
    message,
    response.headers.get("x-request-id"),
    retryAfterSeconds(response),
    body,
  );
}

/** JSON over HTTP with timeouts, retries and typed errors; shared by both clients. */
export class Http {
  constructor(private readonly options: HttpOptions) {}

  /** Calls a route of the contract: its path, query and body typed by the route's schemas. */
  call<D extends RouteDefinition>(
    route: Route<D>,
    input: RouteInput<D>,
    headers?: Record<string, string>,
  ): Promise<RouteOutput<D>> {
    const { params, query, body } = input as unknown as {
      params?: Record<string, string>;
      query?: object;
      body?: unknown;
    };
    return this.request<RouteOutput<D>>({
      method: route.method,
      path: pathOf(route, params),
      query: query as RequestSpec["query"],
      body,
      headers,
    });
  }

  async request<T>(spec: RequestSpec): Promise<T> {
    const url = new URL(`${this.options.baseUrl.replace(/\/$/, "")}/api/v1${spec.path}`);
    for (const [name, value] of Object.entries(spec.query ?? {})) {
      if (value !== undefined) url.searchParams.set(name, String(value));
    }
    const fixed: Record<string, string> = { accept: "application/json", ...spec.headers };
    if (spec.body !== undefined) fixed["content-type"] = "application/json";
    for (let attempt = 0; ; attempt++) {
      let error: FanfareError;
      try {
        const response = await this.options.fetch(url, {
          method: spec.method,
          headers: { ...fixed, ...this.options.credential?.(spec.method) },
          ...(this.options.cookies ? { credentials: "same-origin" as const } : {}),
          ...(spec.body !== undefined ? { body: JSON.stringify(spec.body) } : {}),
          signal: AbortSignal.timeout(this.options.timeoutMs),
        });
        if (response.ok) {
          const text = await response.text();
          return (text === "" ? undefined : JSON.parse(text)) as T;
        }
        error = await errorFrom(response);
      } catch (err) {
        const timedOut = err instanceof Error && err.name === "TimeoutError";
        error = new FanfareError(
          0,
          timedOut ? "timeout" : "network_error",
          timedOut ? `No response within ${this.options.timeoutMs} ms` : `Request failed: ${String(err)}`,
        );
      }
      if (attempt >= this.options.maxRetries || !retryable(spec.method, error.status)) throw error;
      await sleep(delayMs(attempt, error.retryAfter));
    }
  }
}
