import { ERRORS, type ErrorCode, type ErrorField } from "@fanfare/contract";
import type { FastifyError, FastifyInstance, FastifyReply, FastifyRequest } from "fastify";
import { isStorageUnavailable } from "../db/storage-errors.js";
import { isDatabaseUnavailable } from "../db/unavailable.js";
import { LimiterUnavailableError } from "../ratelimit/limiter.js";

export interface ErrorBody {
  error: string;
  message?: string;
  [extra: string]: unknown;
}

/**
 * Every error a client can see, raised by its code in the contract's catalog, which fixes its
 * status and the `error` field of its body. The body's other fields come from `extras`, sent as
 * they are after `error`, so the seeds' bodies (e.g. `{"error":"Authentication required"}`) are
 * reproduced byte for byte; where a seed puts a field before `error`, `extras` spells `error` out
 * in its place (the type holds it to the catalog's). `headers` carries things like `Retry-After`.
 */
export class AppError<C extends ErrorCode = ErrorCode> extends Error {
  readonly status: number;
  readonly body: ErrorBody;

  constructor(
    readonly code: C,
    extras: { error?: ErrorField<C>; [field: string]: unknown } = {},
    readonly headers: Readonly<Record<string, string>> = {},
  ) {
    const { status, error } = ERRORS[code];
    const body: ErrorBody = "error" in extras ? { ...extras, error } : { error, ...extras };
    // An answer, not a fault: no stack trace. Capturing one was a fifth of the CPU time of
    // refusing a bad key (profiled), and refusals are what garbage traffic costs us.
    const limit = Error.stackTraceLimit;
    Error.stackTraceLimit = 0;
    super(typeof body.message === "string" ? body.message : error);
    Error.stackTraceLimit = limit;
    this.name = "AppError";
    this.status = status;
    this.body = body;
  }
}

/**
 * Its own class, so usage statistics can tell a refusal by a rate limit from other 429s, and
 * metrics count it under its limit's name (`plan`, `guest`, `otp-request`…; `other` when none).
 */
export class RateLimitError extends AppError<"rate_limit_exceeded"> {
  constructor(
    retryAfterSeconds: number,
    readonly limitName = "other",
  ) {
    super("rate_limit_exceeded", { retryAfter: retryAfterSeconds }, { "retry-after": String(retryAfterSeconds) });
  }
}

export interface ValidationIssue {
  path: string;
  message: string;
}

/** Errors raised in several places, one function each, so the same condition always answers the same. */
export const errors = {
  authenticationRequired: () => new AppError("authentication_required"),
  secretKeyRequired: () => new AppError("secret_key_required"),
  invalidApiKey: () => new AppError("invalid_api_key"),
  apiKeyInactive: () =>
    new AppError("api_key_inactive", {
      message: "This API key has been deactivated. Activate it again or use another key.",
    }),
  apiKeyExpired: (expiresAt: string) =>
    new AppError("api_key_expired", { message: `This API key expired at ${expiresAt}.` }),
  apiKeyInQuery: () =>
    new AppError("api_key_in_query", {
      message:
        "API keys are not accepted in the URL, where they end up in logs and browser history. " +
        "Send secret keys as 'Authorization: Bearer <key>' and publishable keys in 'X-Publishable-Key'.",
    }),
  permissionDenied: (scope: string) =>
    new AppError("permission_denied", { message: `This key lacks the ${scope} permission` }),
  modeMismatch: (mode: string) =>
    new AppError("permission_denied", {
      message: `A ${mode}-mode key can only manage ${mode}-mode keys`,
    }),
  keyRotating: (graceUntilMs: number) =>
    new AppError("key_rotating", {
      message:
        "This is the previous value of a regenerated key: until it stops working at " +
        `${new Date(graceUntilMs).toISOString()} it may only read and write data. ` +
        "Use the key's new value to manage keys, webhooks, settings and alert rules.",
    }),
  keyRegenerationConflict: () =>
    new AppError("key_regeneration_conflict", {
      message:
        "Another request regenerated or deleted this key at the same time, and this regeneration changed nothing: " +
        "use the new value the other request received, or regenerate again.",
    }),
  ipNotAllowed: () =>
    new AppError("ip_not_allowed", {
      message: "This key may not be used from this IP address.",
    }),
  // Names the refused origin (the caller's own) and the setting to add it to, so a developer whose
  // page is refused sees how to fix it.
  originNotAllowed: (origin: string, mode: "live" | "test") =>
    new AppError("origin_not_allowed", {
      message:
        `Origin ${origin} is not allowed for this organization's ${mode} mode. Add it under Settings → ` +
        `Allowed origins in the dashboard, or to ${mode === "live" ? "allowedOrigins" : "testAllowedOrigins"} ` +
        "with PATCH /api/v1/organization.",
    }),
  invalidToken: () => new AppError("invalid_token", { message: "The access token is not valid." }),
  tokenExpired: () => new AppError("token_expired", { message: "The access token has expired: refresh it." }),
  csrfTokenInvalid: () =>
    new AppError("csrf_token_invalid", {
      message: "This request is missing the dashboard's CSRF token: reload the page and try again.",
    }),
  notFound: () => new AppError("route_not_found"),
  resourceNotFound: (what: string) => new AppError("not_found", { message: `${what} not found` }),
  conflict: (message: string) => new AppError("conflict", { message }),
  validation: (message: string, issues: ValidationIssue[]) => new AppError("validation_error", { message, issues }),
  invalidJson: (message: string) => new AppError("invalid_json", { message }),
  unsupportedMediaType: () =>
    new AppError("unsupported_media_type", {
      message: "Send the request body as JSON with Content-Type: application/json.",
    }),
  payloadTooLarge: (limitBytes: number) =>
    new AppError("payload_too_large", {
      message: `The request body exceeds the limit of ${limitBytes} bytes.`,
    }),
  badRequest: (message: string) => new AppError("bad_request", { message }),
  serviceUnavailable: (retryAfterSeconds = 1) =>
    new AppError(
      "service_unavailable",
      { message: "The service is temporarily unavailable." },
      { "retry-after": String(retryAfterSeconds) },
    ),
  databaseUnavailable: (retryAfterSeconds = 1) =>
    new AppError(
      "database_unavailable",
      {
        message:
          "The database is temporarily out of reach: retry the request. A change cut off while it committed may have been made; entering a queue again gets the same place.",
      },
      { "retry-after": String(retryAfterSeconds) },
    ),
  storageUnavailable: (retryAfterSeconds = 1) =>
    new AppError(
      "storage_unavailable",
      { message: "The server's storage is full or failing: the request did not happen, retry it." },
      { "retry-after": String(retryAfterSeconds) },
    ),
  internal: (requestId: string) =>
    new AppError("internal_error", { message: "An unexpected error occurred.", requestId }),
  // RFC 9110 requires Upgrade (and so Connection) on a 426.
  httpsRequired: () =>
    new AppError(
      "https_required",
      {
        message: "This API is served over HTTPS only. Send the request to its https:// address.",
      },
      { upgrade: "TLS/1.2, HTTP/1.1", connection: "Upgrade" },
    ),
  liveKeyRequired: () =>
    new AppError("live_key_required", {
      message:
        "Organization settings apply to live mode too: change them with a live secret key or from the dashboard.",
    }),
  phoneNotMobile: (type: string) =>
    new AppError("invalid_phone", {
      reason: "not_mobile",
      type,
      message: `Codes are sent by SMS to mobile numbers only, and this number is not one (its type: ${type}).`,
    }),
};

interface AjvError {
  keyword: string;
  instancePath: string;
  message?: string;
  params: Record<string, unknown>;
}

const LOCATION: Record<string, string> = {
  body: "body",
  querystring: "query",
  params: "path",
  headers: "headers",
};

const MAX_ISSUES = 20;

function issueFrom(location: string, error: AjvError): ValidationIssue {
  const segments = error.instancePath.split("/").filter(Boolean);
  let message = error.message ?? "is invalid";
  if (error.keyword === "required") {
    segments.push(String(error.params.missingProperty));
    message = "is required";
  } else if (error.keyword === "additionalProperties") {
    segments.push(String(error.params.additionalProperty));
    message = "is not a recognised field";
  } else if (error.keyword === "format") {
    message = `must be a valid ${String(error.params.format)}`;
  } else if (error.keyword === "enum") {
    message = `must be one of: ${(error.params.allowedValues as unknown[]).join(", ")}`;
  }
  return { path: [location, ...segments].join("."), message };
}

function fromValidation(error: FastifyError): AppError {
  const location = LOCATION[error.validationContext ?? "body"] ?? "body";
  const issues = (error.validation as unknown as AjvError[]).slice(0, MAX_ISSUES).map((e) => issueFrom(location, e));
  const first = issues[0];
  const summary = first ? `${first.path} ${first.message}` : "the request is invalid";
  return errors.validation(`Invalid request: ${summary}.`, issues);
}

/** Maps Fastify's own errors (body parsing, limits) onto the catalog. */
function fromFramework(error: FastifyError, bodyLimit: number): AppError | undefined {
  switch (error.code) {
    case "FST_ERR_CTP_INVALID_MEDIA_TYPE":
      return errors.unsupportedMediaType();
    case "FST_ERR_CTP_BODY_TOO_LARGE":
      return errors.payloadTooLarge(bodyLimit);
    case "FST_ERR_CTP_EMPTY_JSON_BODY":
      return errors.invalidJson("The request body is empty but Content-Type is application/json.");
    case "FST_ERR_CTP_INVALID_JSON_BODY":
      return errors.invalidJson("The request body is not valid JSON.");
    case "FST_ERR_CTP_INVALID_CONTENT_LENGTH":
      return errors.badRequest("The request body size did not match Content-Length.");
  }
  // Any other refusal by the framework (a malformed URL, say) is the client's: a catalogued 400.
  const status = error.statusCode ?? 500;
  if (status >= 400 && status < 500) return errors.badRequest(error.message);
  return undefined;
}

export function sendError(reply: FastifyReply, error: AppError): FastifyReply {
  for (const [name, value] of Object.entries(error.headers)) reply.header(name, value);
  return reply.code(error.status).send(error.body);
}

const RETRY_WHEN_UNAVAILABLE_SECONDS = 1;
/** A full disk is freed by someone, not by the next second. */
const RETRY_WHEN_STORAGE_FAILS_SECONDS = 5;

/** The 503 for a failure of a dependency (worth retrying), or undefined for any other. */
export function unavailableDependency(err: unknown): AppError | undefined {
  if (isDatabaseUnavailable(err)) return errors.databaseUnavailable(RETRY_WHEN_UNAVAILABLE_SECONDS);
  if (isStorageUnavailable(err)) return errors.storageUnavailable(RETRY_WHEN_STORAGE_FAILS_SECONDS);
  if (err instanceof LimiterUnavailableError) return errors.serviceUnavailable(err.retryAfterSeconds);
  return undefined;
}

/** The one place errors become HTTP: catalogued errors as they are, anything else a logged 500. */
export function installErrorHandling(app: FastifyInstance, bodyLimit: number): void {
  app.setErrorHandler((raw: FastifyError, request: FastifyRequest, reply: FastifyReply) => {
    let error: AppError | undefined;
    if (raw instanceof RateLimitError && request.identity) request.identity.rateLimitedBy = raw.limitName;
    if (raw instanceof AppError) error = raw;
    else if (raw.validation) error = fromValidation(raw);
    else error = unavailableDependency(raw) ?? fromFramework(raw, bodyLimit);
    if (!error) {
      request.log.error({ err: raw }, "unhandled error");
      error = errors.internal(request.id);
    } else if (error.status >= 500 && error.code !== "storage_unavailable") {
      // A full or failing disk is logged once per outage, with its cause, by the database handle.
      request.log.error({ err: raw }, "request failed");
    }
    return sendError(reply, error);
  });
  app.setNotFoundHandler((_request, reply) => sendError(reply, errors.notFound()));
}
