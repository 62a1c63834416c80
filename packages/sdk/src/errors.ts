import type { ErrorCode } from "@fanfare/contract";

/**
 * What `FanfareError.code` can be: a code of the API's error catalog (`ErrorCode`, e.g.
 * `rate_limit_exceeded`, `invalid_token`, `queue_full`), or one of the SDK's own: no response
 * (`network_error`, `timeout`), a client that cannot start (`missing_base_url`,
 * `invalid_base_url`), or an answer the catalog does not know (`unknown_error`, e.g. a proxy's 502
 * page; `status` and `body` tell more).
 */
export type FanfareErrorCode =
  | ErrorCode
  | "network_error"
  | "timeout"
  | "missing_base_url"
  | "invalid_base_url"
  | "unknown_error";

/** Every failure the SDK reports: an API error, a timeout or a network failure. */
export class FanfareError extends Error {
  override readonly name = "FanfareError";

  constructor(
    /** HTTP status; 0 when no response arrived (network failure or timeout). */
    readonly status: number,
    /** Stable and snake_case: see `FanfareErrorCode`. The body's own `error` field is in `body`. */
    readonly code: FanfareErrorCode,
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
