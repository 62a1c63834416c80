import { randomBytes } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { newId } from "../src/lib/ids.js";
import { generateKey } from "../src/modules/keys/format.js";
import { csrfTokenOf } from "../src/modules/members/sessions.js";
import { createTestServer, type TestServer } from "./harness.js";

describe("request logging", () => {
  let server: TestServer;

  beforeAll(async () => {
    server = await createTestServer("sqlite");
    // Probes of the pipeline, not of the API: they claim a contract route's config by hand.
    const config = { api: "admin" as const, auth: { kind: "none" as const } };
    server.admin.post("/api/v1/echo", { config }, async (request) => ({
      received: Object.keys(request.body as object),
    }));
    server.admin.get("/api/v1/boom", { config }, async () => {
      throw new Error("kaboom");
    });
  });
  afterAll(() => server.close());

  it("writes one line per request with id, route, status and latency", async () => {
    const response = await server.admin.inject({ method: "GET", url: "/healthz" });
    const requestId = response.headers["x-request-id"];
    const lines = server.logs.entries().filter((entry) => entry.requestId === requestId);
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatchObject({
      msg: "request completed",
      method: "GET",
      url: "/healthz",
      route: "/healthz",
      status: 200,
      level: 30,
    });
    expect(typeof lines[0]?.ms).toBe("number");
  });

  it("never writes a key, token or code to the log, wherever it was sent", async () => {
    const secretKey = generateKey("secret", "live");
    const publishableKey = generateKey("publishable", "live");
    const queryKey = generateKey("secret", "test");
    const bodyKey = generateKey("secret", "live");
    const token = "eyJhbGciOiJFZERTQSJ9.eyJzdWIiOiJzZWNyZXQtY29uc3VtZXIifQ.c2lnbmF0dXJl";

    await server.admin.inject({
      method: "GET",
      url: `/api/v1/nothing?api_key=${queryKey}&token=${token}`,
      headers: { authorization: `Bearer ${secretKey}`, "x-publishable-key": publishableKey },
    });
    await server.admin.inject({
      method: "POST",
      url: "/api/v1/echo",
      headers: { authorization: `Bearer ${token}`, cookie: `fanfare_session=${token}` },
      payload: { key: bodyKey, code: "123456", refreshToken: token },
    });
    await server.admin.inject({
      method: "GET",
      url: "/api/v1/boom",
      headers: { authorization: `Bearer ${secretKey}` },
    });
    // Even an object logged by mistake is censored by the pino redaction paths.
    server.deps.logger.info({ req: { headers: { authorization: `Bearer ${secretKey}` } }, body: { code: "654321" } });

    const text = server.logs.text;
    for (const secret of [secretKey, publishableKey, queryKey, bodyKey, token, "123456", "654321"]) {
      expect(text).not.toContain(secret);
    }
    expect(text).toContain("api_key=[redacted]");
    expect(text).toContain("kaboom"); // the 500's cause is logged, for operators
  });

  it("censors secrets by their shape in the path and under any query name, even percent-encoded", async () => {
    const pathKey = generateKey("secret", "live");
    const queryKey = generateKey("publishable", "test");
    const encodedKey = generateKey("secret", "test");
    const refreshToken = `rt_${"A".repeat(43)}`;
    const webhookSecret = `whsec_${"b".repeat(43)}`;
    const jwt = "eyJhbGciOiJFZERTQSJ9.eyJzdWIiOiJjb25zX3gifQ.c2ln";
    const exchangeCode = `exc_${"C".repeat(43)}`;
    const urls = [
      `/api/v1/api-keys/${pathKey}`,
      `/api/v1/nothing?q=${queryKey}&page=2`,
      `/api/v1/nothing?q=${encodeURIComponent(encodedKey).replace("_", "%5F")}`,
      `/api/v1/nothing/${refreshToken}?next=${webhookSecret}`,
      `/api/v1/nothing?x=%ZZ&t=${jwt.replace(".", "%2E")}&c=${exchangeCode}`,
    ];
    for (const url of urls) await server.admin.inject({ method: "GET", url });

    const text = server.logs.text;
    for (const secret of [pathKey, queryKey, encodedKey, refreshToken, webhookSecret, jwt, exchangeCode]) {
      expect(text).not.toContain(secret);
    }
    expect(text).toContain("/api/v1/api-keys/[redacted]");
    expect(text).toContain("page=2"); // ordinary values stay readable
  });

  it("censors every other secret the server issues by its shape, and CSRF and cookie headers by name", async () => {
    // Made the way the server makes them (members/service.ts, members/sessions.ts).
    const invitationCode = `inv_${randomBytes(24).toString("base64url")}`;
    const sessionId = newId("dashboardSession", Date.now());
    const cookieSecret = randomBytes(32).toString("base64url");
    const csrfToken = csrfTokenOf(server.deps, sessionId);
    const signInCode = "482913";
    const twiceEncodedKey = generateKey("secret", "live");
    const invitationId = newId("invitation", Date.now());
    const urls = [
      `/api/v1/dashboard/accept-invitation/${invitationCode}`,
      `/api/v1/nothing?next=${encodeURIComponent(`/accept?c=${invitationCode}`)}`,
      `/api/v1/nothing?state=${csrfToken}&page=2`,
      `/api/v1/nothing?s=${encodeURIComponent(`${sessionId}.${cookieSecret}`)}`,
      `/api/v1/nothing/${signInCode}?n=${signInCode}&first=20`,
      `/api/v1/nothing?q=${encodeURIComponent(encodeURIComponent(twiceEncodedKey))}`,
      `/api/v1/dashboard/invitations/${invitationId}?year=2026`,
    ];
    for (const url of urls) await server.admin.inject({ method: "GET", url });
    server.deps.logger.info({
      req: { headers: { "x-csrf-token": csrfToken, cookie: `fanfare_dashboard=${sessionId}.${cookieSecret}` } },
      body: { csrfToken },
    });

    const text = server.logs.text;
    for (const secret of [invitationCode, csrfToken, cookieSecret, signInCode, twiceEncodedKey]) {
      expect(text).not.toContain(secret);
    }
    // Ids, page sizes and other numbers stay readable.
    for (const ordinary of [invitationId, "page=2", "first=20", "year=2026"]) expect(text).toContain(ordinary);
  });
});
