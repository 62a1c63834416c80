/**
 * SQLite's answers for a disk that is full or failing, or a file it can no longer write (the
 * filesystem remounted read-only, the database moved away): the statement did not happen and
 * will succeed once the storage is fixed, so it is a 503, not a 500. The extended codes
 * (SQLITE_IOERR_WRITE, SQLITE_IOERR_FSYNC, SQLITE_READONLY_DBMOVED, …) carry the primary one
 * as their prefix. SQLITE_CORRUPT stays a 500: retrying will not fix a damaged file.
 */
const STORAGE_CODES = /^SQLITE_(FULL|IOERR|CANTOPEN|READONLY)(_|$)/;

export function isStorageUnavailable(err: unknown): boolean {
  const code = (err as { code?: unknown } | null)?.code;
  return typeof code === "string" && STORAGE_CODES.test(code);
}
