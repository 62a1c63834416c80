import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import type { BootstrapKeys } from "../src/modules/orgs/service.js";
import { createTestOrganization, createTestQueue, createTestServer, dialects, type TestServer } from "./harness.js";
import { call } from "./http.js";

const SHOP = "https://shop.example";
const EVIL = "https://evil.example";

const refusal = (origin: string, mode: "live" | "test") => ({
  error: "origin_not_allowed",
  message:
    `Origin ${origin} is not allowed for this organization's ${mode} mode. Add it under Settings → Allowed ` +
    `origins in the dashboard, or to ${mode === "live" ? "allowedOrigins" : "testAllowedOrigins"} with ` +
    "PATCH /api/v1/organization.",
});

describe.each(dialects())("browser origins (%s)", (dialect) => {
  let server: TestServer;
  let keys: BootstrapKeys;
  let guests = 0;

  beforeAll(async () => {
    server = await createTestServer(dialect);
  });
  afterAll(() => server.close());
  beforeEach(async () => {
    ({ keys } = await createTestOrganization(server));
  });

  const settings = (body: Record<string, unknown>, key = keys.secretLive) =>
    call(server.admin, "PATCH", "/api/v1/organization", { key, body });
  const organization = async () =>
    (await call(server.admin, "GET", "/api/v1/organization", { key: keys.secretLive })).json();

  /** A guest's access token, opened by a server-side call (no Origin); each guest from its own address. */
  async function guestToken(publishable = keys.publishableLive): Promise<string> {
    guests++;
    const response = await call(server.consumer, "POST", "/api/v1/auth/guest", {
      headers: { "x-publishable-key": publishable },
      remoteAddress: `10.9.${guests >> 8}.${guests & 255}`,
    });
    expect(response.statusCode).toBe(200);
    return response.json().accessToken as string;
  }

  /** A request with only the shopper's access token, as a browser on `origin` sends it (none: a server). */
  const withToken = (token: string, method: "GET" | "POST" | "DELETE", url: string, origin?: string) =>
    call(server.consumer, method, url, { key: token, headers: origin ? { origin } : {} });

  describe("an access token sent without a publishable key", () => {
    it("is judged against its organization's allowed origins on every consumer route", async () => {
      expect((await settings({ allowedOrigins: [SHOP] })).statusCode).toBe(200);
      const queueId = await createTestQueue(server, keys.secretLive);
      const token = await guestToken();
      const sessionId = (await withToken(token, "GET", "/api/v1/auth/sessions")).json().data[0].id as string;
      const routes: ["GET" | "POST" | "DELETE", string][] = [
        ["POST", `/api/v1/queues/${queueId}/enter`],
        ["GET", `/api/v1/queues/${queueId}/status`],
        ["GET", "/api/v1/consumers/me"],
        ["GET", "/api/v1/auth/sessions"],
        ["DELETE", `/api/v1/auth/sessions/${sessionId}`],
        ["POST", "/api/v1/auth/logout"],
      ];
      for (const [method, url] of routes) {
        const refused = await withToken(token, method, url, EVIL);
        expect(refused.statusCode, url).toBe(403);
        expect(refused.json(), url).toEqual(refusal(EVIL, "live"));
      }
      // Nothing was done for the foreign page: not entered, the session still live.
      const status = await withToken(token, "GET", `/api/v1/queues/${queueId}/status`);
      expect(status.statusCode).toBe(404);
      expect(status.json().error).toBe("Consumer not in queue");
      expect((await withToken(token, "GET", "/api/v1/auth/sessions")).json().data).toHaveLength(1);

      // The merchant's own page and its server are served as before.
      const entered = await withToken(token, "POST", `/api/v1/queues/${queueId}/enter`, SHOP);
      expect(entered.statusCode).toBe(201);
      expect(entered.headers["access-control-allow-origin"]).toBe(SHOP);
      expect((await withToken(token, "GET", "/api/v1/consumers/me", SHOP)).statusCode).toBe(200);
      expect((await withToken(token, "GET", "/api/v1/consumers/me")).statusCode).toBe(200);
    });

    it("gives a foreign origin its refusal and nothing it asked for, preflight or not", async () => {
      expect((await settings({ allowedOrigins: [SHOP] })).statusCode).toBe(200);
      const token = await guestToken();
      // A preflight carries no credential, so it cannot be judged per organization: it is answered.
      const preflight = await server.consumer.inject({
        method: "OPTIONS",
        url: "/api/v1/consumers/me",
        headers: {
          origin: EVIL,
          "access-control-request-method": "GET",
          "access-control-request-headers": "authorization",
        },
      });
      expect(preflight.statusCode).toBe(204);
      // The request itself is refused: the page may read why (as any refusal), never the consumer.
      const refused = await withToken(token, "GET", "/api/v1/consumers/me", EVIL);
      expect(refused.statusCode).toBe(403);
      expect(refused.body).toBe(JSON.stringify(refusal(EVIL, "live")));
      expect(refused.headers["access-control-allow-origin"]).toBe(EVIL);
      expect(refused.body).not.toContain("guest_");
      // The same token with a publishable key from the foreign page: refused the same way.
      const withKey = await call(server.consumer, "GET", "/api/v1/consumers/me", {
        key: token,
        headers: { origin: EVIL, "x-publishable-key": keys.publishableLive },
      });
      expect(withKey.json()).toEqual(refusal(EVIL, "live"));
    });

    it("is judged in its own mode: a test token by test mode's origins", async () => {
      expect((await settings({ allowedOrigins: [SHOP] })).statusCode).toBe(200);
      const token = await guestToken(keys.publishableTest);
      expect((await withToken(token, "GET", "/api/v1/auth/sessions", "http://localhost:5173")).statusCode).toBe(200);
      const refused = await withToken(token, "GET", "/api/v1/auth/sessions", SHOP);
      expect(refused.statusCode).toBe(403);
      expect(refused.json()).toEqual(refusal(SHOP, "test"));
    });
  });

  describe("allowed origins per mode", () => {
    const guestFrom = (origin: string, publishable: string) =>
      call(server.consumer, "POST", "/api/v1/auth/guest", {
        headers: { "x-publishable-key": publishable, origin },
        remoteAddress: `10.8.${++guests >> 8}.${guests & 255}`,
      });

    it("lets test mode keep a developer's machine when live mode is restricted to the shop", async () => {
      expect((await organization()).testAllowedOrigins).toBeNull();
      expect((await settings({ allowedOrigins: [SHOP] })).statusCode).toBe(200);
      for (const origin of ["http://localhost:5173", "http://localhost", "http://127.0.0.1:8080"]) {
        expect((await guestFrom(origin, keys.publishableTest)).statusCode, origin).toBe(200);
      }
      // The default is a developer's machine only, and live mode stays the shop's.
      for (const origin of [SHOP, "https://localhost:5173", "http://localhost.evil.example:5173"]) {
        const refused = await guestFrom(origin, keys.publishableTest);
        expect(refused.statusCode, origin).toBe(403);
        expect(refused.json()).toEqual(refusal(origin, "test"));
      }
      expect((await guestFrom(SHOP, keys.publishableLive)).statusCode).toBe(200);
      const live = await guestFrom("http://localhost:5173", keys.publishableLive);
      expect(live.statusCode).toBe(403);
      expect(live.json()).toEqual(refusal("http://localhost:5173", "live"));
    });

    it("replaces test mode's default with the merchant's list, and restores it on null", async () => {
      const staging = "https://staging.shop.example";
      const changed = await settings({ testAllowedOrigins: [staging, "http://localhost:*"] });
      expect(changed.statusCode).toBe(200);
      expect(changed.json()).toMatchObject({ allowedOrigins: [], testAllowedOrigins: [staging, "http://localhost:*"] });
      expect((await guestFrom(staging, keys.publishableTest)).statusCode).toBe(200);
      expect((await guestFrom("http://localhost:3000", keys.publishableTest)).statusCode).toBe(200);
      expect((await guestFrom("http://127.0.0.1:3000", keys.publishableTest)).statusCode).toBe(403);
      expect((await guestFrom(SHOP, keys.publishableTest)).statusCode).toBe(403);
      // Live mode's list is its own (empty: any), and changing it leaves test mode's as it was.
      expect((await guestFrom(SHOP, keys.publishableLive)).statusCode).toBe(200);
      expect((await settings({ allowedOrigins: [SHOP] })).json().testAllowedOrigins).toEqual([
        staging,
        "http://localhost:*",
      ]);
      expect((await guestFrom(staging, keys.publishableLive)).statusCode).toBe(403);

      expect((await settings({ testAllowedOrigins: [] })).statusCode).toBe(200);
      expect((await guestFrom(EVIL, keys.publishableTest)).statusCode).toBe(200);
      expect((await settings({ testAllowedOrigins: null })).json().testAllowedOrigins).toBeNull();
      expect((await guestFrom("http://127.0.0.1:3000", keys.publishableTest)).statusCode).toBe(200);
      expect((await guestFrom(EVIL, keys.publishableTest)).statusCode).toBe(403);

      const audit = await call(server.admin, "GET", "/api/v1/audit-log?action=organization.updated", {
        key: keys.secretLive,
      });
      const first = audit.json().data.at(-1);
      expect(first.before.testAllowedOrigins).toBeNull();
      expect(first.after.testAllowedOrigins).toEqual([staging, "http://localhost:*"]);
    });

    it("refuses a malformed test origin or a test key's change, changing nothing", async () => {
      const before = await organization();
      for (const rule of ["http://localhost:*/app", "localhost:**", "https://exa mple.com"]) {
        const invalid = await settings({ testAllowedOrigins: [rule] });
        expect(invalid.statusCode, rule).toBe(400);
        expect(invalid.json()).toMatchObject({
          error: "validation_error",
          issues: [{ path: "body.testAllowedOrigins.0" }],
        });
      }
      const byTestKey = await settings({ testAllowedOrigins: ["https://evil.example"] }, keys.secretTest);
      expect(byTestKey.statusCode).toBe(403);
      expect(byTestKey.json().error).toBe("live_key_required");
      expect(await organization()).toEqual(before);
    });
  });
});
