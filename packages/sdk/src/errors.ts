/** Every failure the SDK reports: an API error, a timeout or a network failure. */
export class FanfareError extends Error {
  override readonly name = "FanfareError";

  constructor(
    /** HTTP status; 0 when no response arrived (network failure or timeout). */
    readonly status: number,
    /** The API's `error` field (e.g. `Rate limit exceeded`, `invalid_token`), or `network_error` / `timeout`. */
    readonly code: string,
    message: string,
    /** The `X-Request-Id` of the response, to quote to support. */
    readonly requestId: string | null = null,
    /** Seconds to wait, from `Retry-After`, when the API sent one. */
    readonly retryAfter: number | null = null,
    /** The full error body, for fields beyond `error` and `message` (e.g. `issues`). */
    readonly body: Record<string, unknown> | null = null,
  ) {
    super(message);
  }
}
