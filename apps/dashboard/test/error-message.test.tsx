import { describe, expect, it } from "vitest";
import { ApiError } from "../src/api/api-error";
import { errorMessage } from "../src/api/error-message";

const http = (status: number, body: unknown, retryAfterHeader?: string) =>
  errorMessage({ kind: "http", status, body, retryAfterHeader });

describe("errorMessage", () => {
  it("prefers the server's message", () => {
    const body = { error: "otp_invalid", message: "Invalid verification code. Please try again." };
    expect(http(401, body)).toBe("Invalid verification code. Please try again.");
  });

  it("lists validation issues without their location prefix", () => {
    const body = {
      error: "validation_error",
      message: "Invalid request: body.name must NOT have fewer than 1 characters.",
      issues: [
        { path: "body.name", message: "must NOT have fewer than 1 characters" },
        { path: "body.permissions", message: "must NOT have fewer than 1 items" },
      ],
    };
    expect(http(400, body)).toBe(
      "Some values were not accepted: name must NOT have fewer than 1 characters; permissions must NOT have fewer than 1 items.",
    );
  });

  it("maps bare codes by status", () => {
    expect(http(401, { error: "Authentication required" })).toBe("Your session has ended. Sign in again to continue.");
    expect(http(403, { error: "Permission denied" })).toBe("Your role does not allow this. Ask an owner or admin.");
    expect(http(404, { error: "Not found" })).toBe("Not found — it may have been deleted.");
    expect(http(503, undefined)).toBe("The service is briefly unavailable. Try again in a few seconds.");
  });

  it("says how long to wait when rate limited, from the body or the Retry-After header", () => {
    expect(http(429, { error: "Rate limit exceeded", retryAfter: 42 })).toBe(
      "Too many requests — try again in 42 seconds.",
    );
    expect(http(429, { error: "Rate limit exceeded" }, "1")).toBe("Too many requests — try again in 1 second.");
    expect(http(429, { error: "Rate limit exceeded" })).toBe("Too many requests — try again in a moment.");
  });

  it("adds the request id to server errors so support can find them", () => {
    const body = { error: "internal_error", message: "An unexpected error occurred.", requestId: "req_123" };
    expect(http(500, body)).toBe("An unexpected error occurred. (request ID req_123)");
  });

  it("explains a network failure", () => {
    expect(errorMessage({ kind: "network" })).toBe("Could not reach the Fanfare server. Check your connection.");
  });

  it("never shows a raw code for an unknown status", () => {
    expect(http(418, { error: "teapot_mode" })).toBe("The request was refused (HTTP 418).");
    expect(http(500, "<html>")).toMatch(/^Something went wrong on the server/);
  });
});

describe("ApiError", () => {
  it("carries the status, the code and the human message", () => {
    const error = new ApiError({ kind: "http", status: 403, body: { error: "Permission denied" } });
    expect(error.status).toBe(403);
    expect(error.code).toBe("Permission denied");
    expect(error.message).toBe("Your role does not allow this. Ask an owner or admin.");
  });
});
