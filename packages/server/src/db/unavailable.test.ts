import { describe, expect, it } from "vitest";
import { isStorageUnavailable } from "./storage-errors.js";
import { isDatabaseUnavailable } from "./unavailable.js";

const pgError = (code: string, message: string) => Object.assign(new Error(message), { code });

describe("which database errors are an outage (503), not a bug (500)", () => {
  it.each([
    ["57P01", "terminating connection due to administrator command"],
    ["57P03", "the database system is starting up"],
    ["55000", "the database system is not accepting connections"],
    ["08006", "connection failure"],
    ["ECONNREFUSED", "connect ECONNREFUSED 127.0.0.1:5432"],
  ])("%s is unavailable", (code, message) => {
    expect(isDatabaseUnavailable(pgError(code, message))).toBe(true);
  });

  it.each([
    "Client has encountered a connection error and is not queryable",
    "Client was closed and is not queryable",
    "Connection terminated unexpectedly",
  ])("pg's %s (no code: a query on a connection already lost) is unavailable", (message) => {
    expect(isDatabaseUnavailable(new Error(message))).toBe(true);
  });

  it.each([
    ["23505", "duplicate key value violates unique constraint"],
    ["42P01", "relation does not exist"],
  ])("%s is not", (code, message) => {
    expect(isDatabaseUnavailable(pgError(code, message))).toBe(false);
  });
});

describe("which SQLite errors are the storage failing (503 storage_unavailable)", () => {
  it.each([
    "SQLITE_FULL",
    "SQLITE_IOERR",
    "SQLITE_IOERR_WRITE",
    "SQLITE_IOERR_FSYNC",
    "SQLITE_CANTOPEN",
    "SQLITE_READONLY_DBMOVED",
  ])("%s is", (code) => {
    expect(isStorageUnavailable(pgError(code, "storage"))).toBe(true);
  });

  it.each(["SQLITE_CORRUPT", "SQLITE_CONSTRAINT_UNIQUE", "SQLITE_ERROR", "SQLITE_FULLNESS"])("%s is not", (code) => {
    expect(isStorageUnavailable(pgError(code, "other"))).toBe(false);
  });
});
