/** What went wrong with a request, as far as the dashboard can tell. */
export type RequestFailure =
  | { kind: "network" }
  | { kind: "http"; status: number; body: unknown; retryAfterHeader?: string | null };

export interface ValidationIssue {
  path: string;
  message: string;
}

export const NETWORK_MESSAGE = "Could not reach the Fanfare server. Check your connection.";
export const SESSION_ENDED_MESSAGE = "Your session has ended. Sign in again to continue.";
export const FORBIDDEN_MESSAGE = "Your role does not allow this. Ask an owner or admin.";
export const NOT_FOUND_MESSAGE = "Not found — it may have been deleted.";
export const UNAVAILABLE_MESSAGE = "The service is briefly unavailable. Try again in a few seconds.";

function field(body: unknown, name: string): unknown {
  return typeof body === "object" && body !== null ? (body as Record<string, unknown>)[name] : undefined;
}

function text(body: unknown, name: string): string | undefined {
  const value = field(body, name);
  return typeof value === "string" && value.trim() !== "" ? value : undefined;
}

/** The issues of a validation error, with the `body.`/`query.` location dropped from each path. */
export function issuesOf(body: unknown): ValidationIssue[] {
  const issues = field(body, "issues");
  if (!Array.isArray(issues)) return [];
  return issues
    .filter((issue): issue is ValidationIssue => typeof field(issue, "path") === "string" && !!text(issue, "message"))
    .map((issue) => ({ path: issue.path.replace(/^(body|query|path|headers)\.?/, ""), message: issue.message }));
}

function retryAfterSeconds(body: unknown, header: string | null | undefined): number | undefined {
  const fromBody = field(body, "retryAfter");
  const seconds = typeof fromBody === "number" ? fromBody : Number(header ?? Number.NaN);
  return Number.isFinite(seconds) && seconds >= 0 ? Math.ceil(seconds) : undefined;
}

function pluralSeconds(seconds: number): string {
  return seconds === 1 ? "1 second" : `${seconds} seconds`;
}

/**
 * Turns any failed request into a sentence a person can act on. The server's own `message` is
 * written for people, so it wins; bare codes are mapped by status.
 */
export function errorMessage(failure: RequestFailure): string {
  if (failure.kind === "network") return NETWORK_MESSAGE;
  const { status, body } = failure;

  const issues = issuesOf(body);
  if (issues.length > 0) {
    const list = issues.map((issue) => (issue.path ? `${issue.path} ${issue.message}` : issue.message)).join("; ");
    return `Some values were not accepted: ${list}.`;
  }

  const message = text(body, "message");
  if (message) {
    const requestId = status >= 500 ? text(body, "requestId") : undefined;
    return requestId ? `${message} (request ID ${requestId})` : message;
  }

  switch (status) {
    case 401:
      return SESSION_ENDED_MESSAGE;
    case 403:
      return FORBIDDEN_MESSAGE;
    case 404:
      return NOT_FOUND_MESSAGE;
    case 409:
      return "This conflicts with a recent change. Reload the page and try again.";
    case 429: {
      const seconds = retryAfterSeconds(body, failure.retryAfterHeader);
      return seconds === undefined
        ? "Too many requests — try again in a moment."
        : `Too many requests — try again in ${pluralSeconds(seconds)}.`;
    }
    case 502:
    case 503:
    case 504:
      return UNAVAILABLE_MESSAGE;
  }
  if (status >= 500) return "Something went wrong on the server. Try again, and contact support if it keeps happening.";
  return `The request was refused (HTTP ${status}).`;
}
