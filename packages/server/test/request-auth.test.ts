import { SECRET_SCOPES } from "@fanfare/contract";
import Fastify from "fastify";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { installAuthentication } from "../src/http/auth.js";
import { authenticate } from "../src/modules/access/index.js";
import { generateKey } from "../src/modules/keys/format.js";
import { effectiveScopes } from "../src/modules/keys/scopes.js";
import type { BootstrapKeys } from "../src/modules/orgs/service.js";
import { createTestOrganization, createTestServer, dialects, type TestServer } from "./harness.js";
import { call } from "./http.js";

describe.each(dialects())("request authentication (%s)", (dialect) => {
  let server: TestServer;
  let keys: BootstrapKeys;

  beforeAll(async () => {
    server = await createTestServer(dialect, { FANFARE_TRUSTED_PROXIES: "127.0.0.1" });
  });
  afterAll(() => server.close());
  beforeEach(async () => {
    ({ keys } = await createTestOrganization(server));
  });

  describe("admin API", () => {
    const url = "/api/v1/api-keys";

    it("answers a missing credential with exactly {error: Authentication required}", async () => {
      const response = await call(server.admin, "GET", url);
      expect(response.statusCode).toBe(401);
      expect(response.body).toBe('{"error":"Authentication required"}');
    });

    it("refuses publishable keys in either header with exactly {error: Secret key required}", async () => {
      const variants: Record<string, string>[] = [
        { authorization: `Bearer ${keys.publishableLive}` },
        { "x-publishable-key": keys.publishableLive },
      ];
      for (const headers of variants) {
        const response = await call(server.admin, "GET", url, { headers });
        expect(response.statusCode).toBe(401);
        expect(response.body).toBe('{"error":"Secret key required"}');
      }
    });

    it("refuses malformed, mistyped, unknown and non-key credentials as Invalid API key", async () => {
      const valid = keys.secretLive;
      const typo = valid.slice(0, 10) + (valid[10] === "x" ? "y" : "x") + valid.slice(11);
      for (const authorization of [
        "Bearer sk_live_garbage",
        `Bearer ${typo}`,
        `Bearer ${generateKey("secret", "live")}`,
        "Bearer eyJhbGciOiJFZERTQSJ9.e30.c2ln",
        `Basic ${Buffer.from("user:pass").toString("base64")}`,
      ]) {
        const response = await call(server.admin, "GET", url, { headers: { authorization } });
        expect(response.statusCode).toBe(401);
        expect(response.body).toBe('{"error":"Invalid API key"}');
      }
    });

    it("refuses a key in the query string with 400, and never logs it", async () => {
      const response = await call(server.admin, "GET", `${url}?api_key=${keys.secretLive}`);
      expect(response.statusCode).toBe(400);
      expect(response.json().error).toBe("api_key_in_query");
      expect(response.body).not.toContain(keys.secretLive);
      expect(server.logs.text).not.toContain(keys.secretLive);
    });

    it("enforces the declared scope on every secret-key route of both APIs (table-driven)", async () => {
      // The admin API is secret keys (or a member's cookie), except the dashboard's own routes.
      const adminKinds = server.admin.routeAuthTable.filter((route) => route.auth.kind !== "secret");
      expect(adminKinds.every((route) => route.url.startsWith("/api/v1/dashboard/"))).toBe(true);
      expect(adminKinds.filter((route) => route.auth.kind === "none").map((route) => route.url)).toEqual([
        "/api/v1/dashboard/sign-in",
        "/api/v1/dashboard/sign-in/verify",
        "/api/v1/dashboard/invitations/preview",
        "/api/v1/dashboard/invitations/accept",
        "/api/v1/dashboard/invitations/accept/verify",
      ]);
      const routes = [
        ...server.admin.routeAuthTable.map((route) => ({ app: server.admin, route })),
        ...server.consumer.routeAuthTable.map((route) => ({ app: server.consumer, route })),
      ];
      expect(routes.length).toBeGreaterThan(10);
      for (const { app, route } of routes) {
        if (route.auth.kind !== "secret") continue;
        const required = route.auth.scope;
        // Every scope that does not grant the required one, on one key.
        const lacking = SECRET_SCOPES.filter((scope) => !effectiveScopes([scope]).has(required));
        const created = (
          await call(server.admin, "POST", "/api/v1/api-keys", {
            key: keys.secretLive,
            body: { name: "narrow", type: "secret", permissions: lacking },
          })
        ).json();
        const path = route.url.replace(":id", "key_01J0000000000000000000000");
        const response = await call(app, route.method as "GET", path, { key: created.key });
        expect(response.statusCode, `${route.method} ${route.url}`).toBe(403);
        expect(response.json()).toEqual({
          error: "Permission denied",
          message: `This key lacks the ${required} permission`,
        });
      }
    });

    it("expands scopes: write implies read, admin implies everything", async () => {
      const created = (
        await call(server.admin, "POST", "/api/v1/api-keys", {
          key: keys.secretLive,
          body: { name: "analytics", type: "secret", permissions: ["read:analytics"] },
        })
      ).json();
      expect(created.permissions).toEqual(["read:analytics"]);
      const denied = await call(server.admin, "GET", "/api/v1/audit-log", { key: created.key });
      expect(denied.statusCode).toBe(403);
    });

    it("refuses to build an app with an API route that declares no auth", async () => {
      const app = Fastify();
      installAuthentication(app, server.deps, "/api/v1", false, (request, auth) =>
        authenticate(server.deps, request, auth, false),
      );
      expect(() => app.get("/api/v1/forgotten", async () => "oops")).toThrow(
        "Route GET /api/v1/forgotten must declare config.auth",
      );
      // Nor a members-only route on an API that takes no dashboard cookies (the consumer API).
      expect(() => app.get("/api/v1/mine", { config: { auth: { kind: "member" } } }, async () => "no")).toThrow(
        "Route GET /api/v1/mine is for dashboard members, which this API does not accept",
      );
      await app.close();
    });

    it("believes X-Forwarded-For only from a trusted proxy", async () => {
      const created = (
        await call(server.admin, "POST", "/api/v1/api-keys", {
          key: keys.secretLive,
          body: { name: "behind proxy", type: "secret", allowedCidrs: ["203.0.113.0/24"] },
        })
      ).json();
      const viaProxy = await call(server.admin, "GET", "/api/v1/api-keys", {
        key: created.key,
        headers: { "x-forwarded-for": "203.0.113.9" },
      });
      expect(viaProxy.statusCode).toBe(200);
      const untrustedPeer = await call(server.admin, "GET", "/api/v1/api-keys", {
        key: created.key,
        headers: { "x-forwarded-for": "203.0.113.9" },
        remoteAddress: "198.51.100.1",
      });
      expect(untrustedPeer.statusCode).toBe(403);
    });
  });

  describe("consumer API with publishable keys", () => {
    const url = "/api/v1/organizations/current";

    it("accepts the key in X-Publishable-Key or as a Bearer, and secret keys server-side", async () => {
      const variants: Record<string, string>[] = [
        { "x-publishable-key": keys.publishableLive },
        { authorization: `Bearer ${keys.publishableLive}` },
        { authorization: `Bearer ${keys.secretLive}` },
      ];
      for (const headers of variants) {
        const response = await call(server.consumer, "GET", url, { headers });
        expect(response.statusCode).toBe(200);
        expect(response.json()).toMatchObject({ object: "organization", name: "Test Org", mode: "live" });
      }
      const test = await call(server.consumer, "GET", url, { headers: { "x-publishable-key": keys.publishableTest } });
      expect(test.json().mode).toBe("test");
    });

    it("requires a key", async () => {
      const response = await call(server.consumer, "GET", url);
      expect(response.statusCode).toBe(401);
      expect(response.body).toBe('{"error":"Authentication required"}');
      const bogus = await call(server.consumer, "GET", url, { headers: { "x-publishable-key": "pk_live_nope" } });
      expect(bogus.body).toBe('{"error":"Invalid API key"}');
      const secretInBrowserHeader = await call(server.consumer, "GET", url, {
        headers: { "x-publishable-key": keys.secretLive },
      });
      expect(secretInBrowserHeader.body).toBe('{"error":"Invalid API key"}');
    });

    it("honours the organization's allowed origins, with wildcards", async () => {
      const patch = await call(server.admin, "PATCH", "/api/v1/organization", {
        key: keys.secretLive,
        body: { allowedOrigins: ["https://shop.example.com", "*.drops.example"] },
      });
      expect(patch.statusCode).toBe(200);
      const from = (origin?: string) =>
        call(server.consumer, "GET", url, {
          headers: { "x-publishable-key": keys.publishableLive, ...(origin ? { origin } : {}) },
        });
      expect((await from("https://shop.example.com")).statusCode).toBe(200);
      expect((await from("https://eu.drops.example")).statusCode).toBe(200);
      expect((await from(undefined)).statusCode).toBe(200);
      const refused = await from("https://evil.example.com");
      expect(refused.statusCode).toBe(403);
      expect(refused.json()).toEqual({
        error: "origin_not_allowed",
        message:
          "Origin https://evil.example.com is not allowed for this organization's live mode. Add it under " +
          "Settings → Allowed origins in the dashboard, or to allowedOrigins with PATCH /api/v1/organization.",
      });
      expect((await from("https://drops.example")).statusCode).toBe(403);
      expect((await from("http://shop.example.com")).statusCode).toBe(403);

      const invalid = await call(server.admin, "PATCH", "/api/v1/organization", {
        key: keys.secretLive,
        body: { allowedOrigins: ["https://exa mple.com"] },
      });
      expect(invalid.statusCode).toBe(400);
      expect(invalid.json().issues[0].path).toBe("body.allowedOrigins.0");
    });

    it("lets browsers on other origins call the consumer API (CORS), but not the admin API", async () => {
      const origin = "https://shop.example.com";
      const preflight = await server.consumer.inject({
        method: "OPTIONS",
        url: "/api/v1/queues/queue_01J0000000000000000000000/enter",
        headers: {
          origin,
          "access-control-request-method": "POST",
          "access-control-request-headers": "authorization, x-publishable-key",
        },
      });
      expect(preflight.statusCode).toBe(204);
      expect(preflight.headers["access-control-allow-origin"]).toBe(origin);
      expect(String(preflight.headers["access-control-allow-headers"])).toContain("x-publishable-key");
      expect(preflight.headers["access-control-allow-credentials"]).toBeUndefined();
      const refused = await call(server.consumer, "GET", url, { headers: { origin } });
      expect(refused.statusCode).toBe(401);
      expect(refused.headers["access-control-allow-origin"]).toBe(origin);
      expect(String(refused.headers["access-control-expose-headers"])).toContain("x-ratelimit-remaining");
      const admin = await server.admin.inject({
        method: "OPTIONS",
        url: "/api/v1/api-keys",
        headers: { origin, "access-control-request-method": "GET" },
      });
      expect(admin.headers["access-control-allow-origin"]).toBeUndefined();
    });

    it("answers a malformed preflight with 400 and marks every answer as varying by Origin", async () => {
      const malformed = await server.consumer.inject({
        method: "OPTIONS",
        url: "/api/v1/queues/queue_01J0000000000000000000000",
        headers: { origin: "https://shop.example.com" },
      });
      expect(malformed.statusCode).toBe(400);
      expect(malformed.json()).toMatchObject({ error: "bad_request" });
      const noOrigin = await call(server.consumer, "GET", "/api/v1/queues/queue_01J0000000000000000000000");
      expect(noOrigin.headers.vary).toBe("Origin");
      expect(noOrigin.headers["access-control-allow-origin"]).toBeUndefined();
    });
  });
});
