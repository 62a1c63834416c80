/**
 * Every error the Fanfare APIs answer, by stable snake_case code: its HTTP status, the exact
 * `error` field of its body, and when it happens. Some `error` fields are the seeds' sentences
 * (`"Authentication required"`, `"Queue is full"`), kept byte for byte; the code names them all
 * the same way. The server raises errors by code, the SDK reports `FanfareError.code` from this
 * table, and the README's error list and the OpenAPI document are checked against it.
 */
export const ERRORS = {
  // Credentials
  authentication_required: {
    status: 401,
    error: "Authentication required",
    when: "No credential, or none of the kinds this route accepts.",
  },
  secret_key_required: { status: 401, error: "Secret key required", when: "A publishable key on a secret-key route." },
  invalid_api_key: { status: 401, error: "Invalid API key", when: "The key is malformed, unknown or revoked." },
  api_key_inactive: { status: 401, error: "api_key_inactive", when: "The key was deactivated." },
  api_key_expired: { status: 401, error: "api_key_expired", when: "The key is past its `expiresAt`." },
  api_key_in_query: { status: 400, error: "api_key_in_query", when: "A key was sent in the URL." },
  invalid_token: { status: 401, error: "invalid_token", when: "The access token is malformed, forged or revoked." },
  token_expired: { status: 401, error: "token_expired", when: "The access token is past its `exp`: refresh it." },
  invalid_refresh_token: {
    status: 401,
    error: "invalid refresh token",
    when: "The refresh token is unknown, rotated or its session ended.",
  },
  permission_denied: {
    status: 403,
    error: "Permission denied",
    when: "The key lacks the permission, or the member's role does not allow it.",
  },
  ip_not_allowed: { status: 403, error: "ip_not_allowed", when: "The key's `allowedCidrs` exclude the caller." },
  origin_not_allowed: {
    status: 403,
    error: "origin_not_allowed",
    when: "A browser request (with `Origin`) from an origin the organization does not allow in the mode of its key or access token.",
  },
  live_key_required: {
    status: 403,
    error: "live_key_required",
    when: "Organization settings changed with a test-mode key.",
  },
  key_rotating: {
    status: 403,
    error: "key_rotating",
    when: "A regenerated key's previous value, in its grace period, on a route that manages the account: use the new value.",
  },
  csrf_token_invalid: {
    status: 403,
    error: "csrf_token_invalid",
    when: "A dashboard request without its CSRF token.",
  },
  https_required: { status: 426, error: "https_required", when: "A request over plain HTTP in production." },
  // Requests
  validation_error: {
    status: 400,
    error: "validation_error",
    when: "A field is missing, malformed or out of range; `issues` lists each.",
  },
  invalid_json: { status: 400, error: "invalid_json", when: "The body is not valid JSON." },
  bad_request: {
    status: 400,
    error: "bad_request",
    when: "The request is malformed below JSON (a body whose size does not match `Content-Length`, say).",
  },
  unsupported_media_type: {
    status: 415,
    error: "unsupported_media_type",
    when: "A body that is not `application/json`.",
  },
  payload_too_large: { status: 413, error: "payload_too_large", when: "The body exceeds the size limit." },
  request_timeout: {
    status: 408,
    error: "request_timeout",
    when: "The headers and body did not all arrive within `FANFARE_REQUEST_TIMEOUT_MS`; the connection closes.",
  },
  headers_too_large: {
    status: 431,
    error: "headers_too_large",
    when: "The request headers exceed Node's limit (16 KiB); the connection closes.",
  },
  route_not_found: { status: 404, error: "Not found", when: "No such route." },
  not_found: { status: 404, error: "not_found", when: "No such resource in this organization and mode." },
  conflict: { status: 409, error: "conflict", when: "The resource's state does not allow the change." },
  key_regeneration_conflict: {
    status: 409,
    error: "key_regeneration_conflict",
    when: "Another regeneration or deletion of the key committed first; this one changed nothing.",
  },
  rate_limit_exceeded: {
    status: 429,
    error: "Rate limit exceeded",
    when: "Over a rate limit; `retryAfter` (and `Retry-After`) say when to retry.",
  },
  // Experiences, queues and consumers
  experience_not_found: { status: 404, error: "Experience not found", when: "No such experience." },
  queue_not_found: { status: 404, error: "Queue not found", when: "No such queue." },
  queue_not_open: {
    status: 423,
    error: "Queue is not open yet",
    when: "The queue opens later; `Retry-After` says when.",
  },
  queue_closed: { status: 423, error: "Queue is closed", when: "The queue gives no new places." },
  queue_full: { status: 429, error: "Queue is full", when: "The queue is at capacity." },
  too_many_streams: {
    status: 429,
    error: "too_many_streams",
    when: "Too many live streams open at once for this key, member, organization (by plan) or server.",
  },
  consumer_not_in_queue: {
    status: 404,
    error: "Consumer not in queue",
    when: "The consumer holds no place in this queue.",
  },
  consumer_not_found: { status: 404, error: "Consumer not found", when: "No such consumer." },
  invalid_admission: {
    status: 403,
    error: "invalid_admission",
    when: "The admission token is not valid for this consumer, queue or device.",
  },
  fingerprint_invalid: {
    status: 400,
    error: "FINGERPRINT_INVALID",
    when: "`X-Fingerprint` is not 1–200 letters, digits, `_`, `-`, `.` or `:`.",
  },
  // Sign-in
  otp_invalid: { status: 401, error: "otp_invalid", when: "The one-time code is wrong." },
  otp_expired: { status: 401, error: "otp_expired", when: "The one-time code expired or was used up." },
  invalid_phone: {
    status: 400,
    error: "invalid_phone",
    when: "The phone number cannot be parsed, or is not a mobile number (`reason`).",
  },
  sms_country_not_allowed: {
    status: 400,
    error: "sms_country_not_allowed",
    when: "The number's country is not in the organization's `smsAllowedCountries`.",
  },
  already_linked: {
    status: 409,
    error: "already_linked",
    when: "Upgrading a guest to an email or phone that belongs to another consumer.",
  },
  invalid_exchange_code: {
    status: 401,
    error: "invalid_exchange_code",
    when: "The exchange code is unknown or already used.",
  },
  exchange_code_expired: { status: 401, error: "exchange_code_expired", when: "The exchange code expired (60 s)." },
  // Dashboard team
  already_member: { status: 409, error: "already_member", when: "The invited email is already a member." },
  last_owner: { status: 409, error: "last_owner", when: "The change would leave the organization without an owner." },
  invitation_invalid: {
    status: 404,
    error: "invitation_invalid",
    when: "The invitation expired, was revoked or was already used.",
  },
  // The server
  internal_error: {
    status: 500,
    error: "internal_error",
    when: "An unexpected failure; quote `requestId` to support.",
  },
  database_unavailable: {
    status: 503,
    error: "database_unavailable",
    when: "The database is out of reach or saturated: retry after `Retry-After`. Usually nothing happened; a change cut off while it committed may have been made (entering a queue again gets the same place).",
  },
  storage_unavailable: {
    status: 503,
    error: "storage_unavailable",
    when: "The server's disk is full or failing: the request did not happen, retry it after `Retry-After`.",
  },
  service_unavailable: {
    status: 503,
    error: "service_unavailable",
    when: "A dependency other than the database is out of reach (the shared rate limiter with `FANFARE_RATE_LIMIT_FAILURE_MODE=closed`): retry it after `Retry-After`.",
  },
} as const satisfies Record<string, { status: number; error: string; when: string }>;

export type ErrorCode = keyof typeof ERRORS;

/** The `error` field of a code's body (what the seeds quote for the older errors). */
export type ErrorField<C extends ErrorCode> = (typeof ERRORS)[C]["error"];

const CODES_BY_FIELD = new Map<string, ErrorCode>(
  Object.entries(ERRORS).map(([code, { error }]) => [error, code as ErrorCode]),
);

/** The code of an error body's `error` field, or undefined for one this catalog does not know. */
export function errorCodeOf(errorField: string): ErrorCode | undefined {
  return CODES_BY_FIELD.get(errorField);
}
