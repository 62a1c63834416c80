import { readFileSync } from "node:fs";
import { ERRORS, type ErrorCode, errorCodeOf } from "@fanfare/contract";
import { describe, expect, it } from "vitest";
import { AppError, errors } from "../src/http/errors.js";

const README = readFileSync(new URL("../../../README.md", import.meta.url), "utf8");

/** The README's error table: code → its row's status and body. */
function readmeRows(): Map<string, { status: number; body: string }> {
  const section = README.slice(README.indexOf("### Errors"), README.indexOf("\n## ", README.indexOf("### Errors")));
  const rows = new Map<string, { status: number; body: string }>();
  for (const [, code, status, body] of section.matchAll(/^\| `(\w+)` \| (\d+) \| `([^`]+)` \|/gm)) {
    rows.set(code as string, { status: Number(status), body: body as string });
  }
  return rows;
}

describe("error catalog", () => {
  it("is listed in the README, every code with its status and body, and nothing else", () => {
    const rows = readmeRows();
    expect([...rows.keys()].sort()).toEqual(Object.keys(ERRORS).sort());
    for (const [code, { status, error }] of Object.entries(ERRORS)) {
      expect(rows.get(code), code).toEqual({ status, body: JSON.stringify({ error }) });
    }
  });

  it("names every code once, by an `error` field no other code uses", () => {
    for (const [code, { error }] of Object.entries(ERRORS)) {
      expect(code).toMatch(/^[a-z]+(_[a-z]+)*$/);
      expect(errorCodeOf(error)).toBe(code);
    }
    expect(errorCodeOf("Something else")).toBeUndefined();
  });

  it("raises errors with the catalog's status and `error`, keeping the seeds' bodies byte for byte", () => {
    const body = (error: AppError) => JSON.stringify(error.body);
    expect(body(errors.authenticationRequired())).toBe('{"error":"Authentication required"}');
    expect(body(errors.invalidApiKey())).toBe('{"error":"Invalid API key"}');
    expect(body(new AppError("queue_full"))).toBe('{"error":"Queue is full"}');
    // Where a seed puts a field first, it stays first.
    expect(body(new AppError("invalid_admission", { valid: false, error: "invalid_admission" }))).toBe(
      '{"valid":false,"error":"invalid_admission"}',
    );
    const limited = new AppError("rate_limit_exceeded", { retryAfter: 3 }, { "retry-after": "3" });
    expect([limited.status, body(limited), limited.headers]).toEqual([
      429,
      '{"error":"Rate limit exceeded","retryAfter":3}',
      { "retry-after": "3" },
    ]);
    for (const code of Object.keys(ERRORS) as ErrorCode[]) {
      const error = new AppError(code, { message: "m" });
      expect([error.code, error.status, error.body]).toEqual([
        code,
        ERRORS[code].status,
        { error: ERRORS[code].error, message: "m" },
      ]);
    }
  });
});
