import { Type } from "typebox";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createTestServer, dialects, type TestServer } from "./harness.js";

const EchoBody = Type.Object(
  {
    name: Type.String({ minLength: 1 }),
    count: Type.Optional(Type.Integer({ minimum: 0 })),
    email: Type.Optional(Type.String({ format: "email" })),
  },
  { additionalProperties: false },
);

describe.each(dialects())("HTTP contract (%s)", (dialect) => {
  let server: TestServer;

  beforeAll(async () => {
    server = await createTestServer(dialect);
    for (const [app, api] of [
      [server.consumer, "consumer"],
      [server.admin, "admin"],
    ] as const) {
      // A route with a JSON body, to exercise parsing and validation through the real error handler.
      // Probes of the pipeline, not of the API: they claim a contract route's config by hand.
      const config = { api, auth: { kind: "none" as const } };
      app.post("/api/v1/echo", { config, schema: { body: EchoBody } }, async (request) => request.body);
      app.get("/api/v1/boom", { config }, async () => {
        throw new Error("database password is hunter2");
      });
    }
  });
  afterAll(() => server.close());

  it("serves liveness and readiness on both APIs", async () => {
    for (const app of [server.consumer, server.admin]) {
      const health = await app.inject({ method: "GET", url: "/healthz" });
      expect(health.statusCode).toBe(200);
      expect(health.json()).toEqual({ status: "ok" });
      const ready = await app.inject({ method: "GET", url: "/readyz" });
      expect(ready.statusCode).toBe(200);
      expect(ready.json()).toEqual({
        status: "ready",
        checks: {
          database: "ok",
          ...(dialect === "sqlite" ? { storage: "ok" } : {}),
          rateLimiter: "ok",
          codeDelivery: "ok",
        },
      });
    }
  });

  it("answers unknown routes with 404 {error: Not found}", async () => {
    const response = await server.admin.inject({ method: "GET", url: "/api/v1/nothing-here" });
    expect(response.statusCode).toBe(404);
    expect(response.body).toBe('{"error":"Not found"}');
  });

  it("serves /api/… as an alias of /api/v1/…", async () => {
    const response = await server.consumer.inject({
      method: "POST",
      url: "/api/echo",
      payload: { name: "alias" },
    });
    expect(response.statusCode).toBe(200);
    expect(response.json()).toEqual({ name: "alias" });
    const unversionedMissing = await server.consumer.inject({ method: "GET", url: "/api/nothing" });
    expect(unversionedMissing.statusCode).toBe(404);
  });

  it("serves /v1/… (seed 002's examples) as an alias of /api/v1/…, and nothing that merely starts alike", async () => {
    for (const url of ["/v1/echo", "/v1/echo?x=1"]) {
      const response = await server.consumer.inject({ method: "POST", url, payload: { name: "v1" } });
      expect(response.statusCode, url).toBe(200);
      expect(response.json()).toEqual({ name: "v1" });
    }
    const jwks = await server.consumer.inject({ method: "GET", url: "/v1/.well-known/jwks.json" });
    expect(jwks.statusCode).toBe(200);
    for (const url of ["/v10/echo", "/v1echo", "/api/v1/v1/echo"]) {
      const response = await server.consumer.inject({ method: "POST", url, payload: { name: "v1" } });
      expect(response.statusCode, url).toBe(404);
    }
  });

  it("refuses malformed JSON with 400 and no stack trace", async () => {
    const response = await server.admin.inject({
      method: "POST",
      url: "/api/v1/echo",
      headers: { "content-type": "application/json" },
      payload: '{"name": "x",',
    });
    expect(response.statusCode).toBe(400);
    expect(response.json()).toEqual({ error: "invalid_json", message: "The request body is not valid JSON." });
  });

  it("refuses an empty JSON body with 400", async () => {
    const response = await server.admin.inject({
      method: "POST",
      url: "/api/v1/echo",
      headers: { "content-type": "application/json" },
      payload: "",
    });
    expect(response.statusCode).toBe(400);
    expect(response.json().error).toBe("invalid_json");
  });

  it.each([
    ["text/xml", "<name>x</name>"],
    // Fastify parses text/plain by default; the README promises JSON only.
    ["text/plain", '{"name":"x"}'],
    ["text/plain; charset=utf-8", "x"],
  ])("refuses a non-JSON content type (%s) with 415", async (contentType, payload) => {
    for (const app of [server.consumer, server.admin]) {
      const response = await app.inject({
        method: "POST",
        url: "/api/v1/echo",
        headers: { "content-type": contentType },
        payload,
      });
      expect(response.statusCode).toBe(415);
      expect(response.json()).toEqual({
        error: "unsupported_media_type",
        message: "Send the request body as JSON with Content-Type: application/json.",
      });
    }
  });

  it("refuses a body over the 64 KiB limit with 413", async () => {
    const response = await server.admin.inject({
      method: "POST",
      url: "/api/v1/echo",
      payload: { name: "x".repeat(70 * 1024) },
    });
    expect(response.statusCode).toBe(413);
    expect(response.json()).toEqual({
      error: "payload_too_large",
      message: "The request body exceeds the limit of 65536 bytes.",
    });
  });

  it("reports every validation issue with its path", async () => {
    const response = await server.admin.inject({
      method: "POST",
      url: "/api/v1/echo",
      payload: { count: -1, email: "not-an-email", colour: "red" },
    });
    expect(response.statusCode).toBe(400);
    const body = response.json();
    expect(body.error).toBe("validation_error");
    expect(body.message).toMatch(/^Invalid request: /);
    expect(body.issues).toEqual(
      expect.arrayContaining([
        { path: "body.name", message: "is required" },
        { path: "body.colour", message: "is not a recognised field" },
        { path: "body.count", message: "must be >= 0" },
        { path: "body.email", message: "must be a valid email" },
      ]),
    );
  });

  it("does not coerce JSON body types", async () => {
    const response = await server.admin.inject({ method: "POST", url: "/api/v1/echo", payload: { name: 42 } });
    expect(response.statusCode).toBe(400);
    expect(response.json().issues).toEqual([{ path: "body.name", message: "must be string" }]);
  });

  it("turns an unexpected error into a 500 with the request id and no internals", async () => {
    const response = await server.admin.inject({ method: "GET", url: "/api/v1/boom" });
    expect(response.statusCode).toBe(500);
    const requestId = response.headers["x-request-id"];
    expect(response.json()).toEqual({
      error: "internal_error",
      message: "An unexpected error occurred.",
      requestId,
    });
    expect(response.body).not.toContain("hunter2");
    expect(response.body).not.toContain("at ");
  });

  it("gives every response a req_ request id and reuses a valid incoming one", async () => {
    const minted = await server.consumer.inject({ method: "GET", url: "/healthz" });
    expect(minted.headers["x-request-id"]).toMatch(/^req_[0-9A-Z]{26}$/);
    const notFound = await server.consumer.inject({ method: "GET", url: "/nope" });
    expect(notFound.headers["x-request-id"]).toMatch(/^req_/);

    const reused = await server.consumer.inject({
      method: "GET",
      url: "/healthz",
      headers: { "x-request-id": "req_fromTheLoadBalancer42" },
    });
    expect(reused.headers["x-request-id"]).toBe("req_fromTheLoadBalancer42");

    const forged = await server.consumer.inject({
      method: "GET",
      url: "/healthz",
      headers: { "x-request-id": "<script>alert(1)</script>" },
    });
    expect(forged.headers["x-request-id"]).toMatch(/^req_[0-9A-Z]{26}$/);
  });

  it("publishes OpenAPI 3.1 JSON and a browsable /docs on each API", async () => {
    for (const [app, title] of [
      [server.consumer, "Fanfare consumer API"],
      [server.admin, "Fanfare admin API"],
    ] as const) {
      const spec = await app.inject({ method: "GET", url: "/openapi.json" });
      expect(spec.statusCode).toBe(200);
      expect(spec.json()).toMatchObject({ openapi: "3.1.0", info: { title } });
      const docs = await app.inject({ method: "GET", url: "/docs/" });
      expect(docs.statusCode).toBe(200);
      expect(docs.headers["content-type"]).toContain("text/html");
    }
  });
});
