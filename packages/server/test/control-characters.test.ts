import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import type { BootstrapKeys } from "../src/modules/orgs/service.js";
import { createTestOrganization, createTestServer, dialects, type TestServer } from "./harness.js";
import { call } from "./http.js";

const refused = (path: string) => ({
  error: "validation_error",
  message: `Invalid request: ${path} must not contain control characters.`,
  issues: [{ path, message: "must not contain control characters" }],
});

/** PostgreSQL refuses NUL in text (a 500 once); every dialect must refuse it, and all C0 controls, up front. */
describe.each(dialects())("control characters in requests (%s)", (dialect) => {
  let server: TestServer;
  let keys: BootstrapKeys;

  beforeAll(async () => {
    server = await createTestServer(dialect);
  });
  afterAll(() => server.close());
  beforeEach(async () => {
    ({ keys } = await createTestOrganization(server));
  });

  const codeRows = async () =>
    (await server.deps.db.kysely.selectFrom("otp_codes").select("identifier").execute()).length;

  it("refuses a NUL in the email of a code request made with only a publishable key", async () => {
    const before = await codeRows();
    for (const publishable of [keys.publishableLive, keys.publishableTest]) {
      const response = await call(server.consumer, "POST", "/api/v1/auth/otp/request", {
        headers: { "x-publishable-key": publishable },
        body: { email: "a\u0000@x.com" },
      });
      expect(response.statusCode).toBe(400);
      expect(response.json()).toEqual(refused("body.email"));
    }
    expect(await codeRows()).toBe(before);
  });

  it("refuses every C0 control and DEL, in bodies, nested free-form claims and their keys", async () => {
    const controls = [...Array.from({ length: 0x20 }, (_, code) => code), 0x7f].map((code) =>
      String.fromCharCode(code),
    );
    for (const control of controls) {
      const response = await call(server.admin, "POST", "/api/v1/api-keys", {
        key: keys.secretLive,
        body: { name: `key${control}name`, type: "secret", mode: "live" },
      });
      expect(response.statusCode, JSON.stringify(control)).toBe(400);
      expect(response.json()).toEqual(refused("body.name"));
    }
    const authorize = (claims: Record<string, unknown>) =>
      call(server.consumer, "POST", "/api/v1/auth/external/authorize", {
        key: keys.secretLive,
        body: { provider: "shopify", issuer: "https://shop.example", subject: "s1", claims },
      });
    expect((await authorize({ profile: { bio: ["ok", "x\u0000y"] } })).json()).toEqual(
      refused("body.claims.profile.bio.1"),
    );
    expect((await authorize({ "ke\u0000y": "value" })).json()).toEqual(refused("body.claims.ke\u0000y"));
    const consumers = await server.deps.db.kysely.selectFrom("consumers").select("id").execute();
    expect(consumers).toEqual([]);
  });

  it("refuses control characters in path parameters and query strings", async () => {
    const path = await call(server.admin, "GET", "/api/v1/consumers/cons_%00", { key: keys.secretLive });
    expect(path.statusCode).toBe(400);
    expect(path.json()).toEqual(refused("path.id"));
    const query = await call(server.admin, "GET", "/api/v1/consumers?email=a%00%40x.com", { key: keys.secretLive });
    expect(query.statusCode).toBe(400);
    expect(query.json()).toEqual(refused("query.email"));
  });
});
