const UNREACHABLE = "FANFARE_DATABASE_UNREACHABLE";

/** What queries fail with, at once, while PostgreSQL is known to be out of reach (postgres-circuit.ts). */
export class DatabaseUnreachableError extends Error {
  readonly code = UNREACHABLE;
  constructor() {
    super("PostgreSQL is out of reach");
  }
}

/**
 * The database is out of reach or saturated (no pooled connection within the wait, connection
 * refused or reset): worth retrying, so it is a 503, not a 500.
 */
const UNAVAILABLE_MESSAGES = new Set([
  "timeout exceeded when trying to connect",
  "Query read timeout",
  "Connection terminated unexpectedly",
  "Connection terminated",
  // What pg answers a query (a ROLLBACK, say) on a connection that has already failed: the
  // original failure was a lost connection, so the request's answer is 503 too.
  "Client has encountered a connection error and is not queryable",
  "Client was closed and is not queryable",
]);
// Network failures, and PostgreSQL's shutdown, crash, cannot-connect-now and connection-failure
// codes; 55000 is what a server that is not accepting connections yet (recovery, a promoted
// replica's start) may answer.
const UNAVAILABLE_CODES = new Set([
  UNREACHABLE,
  "ECONNREFUSED",
  "ECONNRESET",
  "EPIPE",
  "ETIMEDOUT",
  "EHOSTUNREACH",
  "ENOTFOUND",
  "57P01",
  "57P02",
  "57P03",
  "55000",
  "08000",
  "08001",
  "08003",
  "08006",
]);

export function isDatabaseUnavailable(err: unknown): boolean {
  if (!(err instanceof Error)) return false;
  const code = (err as { code?: unknown }).code;
  return UNAVAILABLE_MESSAGES.has(err.message) || (typeof code === "string" && UNAVAILABLE_CODES.has(code));
}
