import { errorMessage, issuesOf, type RequestFailure, type ValidationIssue } from "./error-message";

/** A failed API call; `message` is already written for the person using the dashboard. */
export class ApiError extends Error {
  readonly status: number;
  readonly code: string | undefined;
  readonly issues: ValidationIssue[];

  constructor(failure: RequestFailure) {
    super(errorMessage(failure));
    this.name = "ApiError";
    this.status = failure.kind === "http" ? failure.status : 0;
    const body = failure.kind === "http" ? failure.body : undefined;
    const code = typeof body === "object" && body !== null ? (body as { error?: unknown }).error : undefined;
    this.code = typeof code === "string" ? code : undefined;
    this.issues = issuesOf(body);
  }
}

/** The words to show for anything a promise rejected with. */
export function messageOf(error: unknown): string {
  if (error instanceof ApiError) return error.message;
  return "Something unexpected went wrong. Reload the page and try again.";
}
