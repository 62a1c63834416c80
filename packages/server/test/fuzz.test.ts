import fc from "fast-check";
import type { FastifyInstance, InjectOptions } from "fastify";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Database } from "../src/db/schema.js";
import type { BootstrapKeys } from "../src/modules/orgs/service.js";
import { createTestOrganization, createTestServer, dialects, type TestServer } from "./harness.js";

/** Tables a request could change; their row counts stand in for "the state". */
const STATE_TABLES: (keyof Database)[] = [
  "organizations",
  "api_keys",
  "audit_log",
  "consumers",
  "sessions",
  "experiences",
  "queues",
  "queue_entries",
  "webhook_endpoints",
  "alerts",
  "members",
  "member_invitations",
  "dashboard_sessions",
  "otp_codes",
  "external_identities",
  "exchange_codes",
];

const printable = (options: { minLength?: number; maxLength?: number } = {}) =>
  fc.string({ unit: "grapheme-ascii", maxLength: 60, ...options });

/** C0 controls and DEL: a NUL reaching PostgreSQL once answered 500. */
const CONTROLS = [...Array.from({ length: 0x20 }, (_, code) => code), 0x7f].map((code) => String.fromCharCode(code));

/** Mostly printable, with a control character in about one character of six (NUL among them). */
const character = fc.oneof(
  { weight: 5, arbitrary: fc.string({ unit: "grapheme-ascii", minLength: 1, maxLength: 1 }) },
  { weight: 1, arbitrary: fc.constantFrom(...CONTROLS) },
);
const text = (options: { minLength?: number; maxLength?: number } = {}) =>
  fc.string({ unit: character, maxLength: 60, ...options });

/**
 * Throws random credentials, parameters, query strings and bodies (control characters included)
 * at every route of both APIs, on every database. Whatever arrives: never a 5xx, never a stack
 * trace, every error in the documented shape, and a refused request changes nothing.
 */
describe.each(dialects())("every route under random input (fast-check, %s)", (dialect) => {
  let server: TestServer;
  let keys: BootstrapKeys;

  beforeAll(async () => {
    server = await createTestServer(dialect);
    ({ keys } = await createTestOrganization(server));
  });
  afterAll(() => server.close());

  async function state(): Promise<string> {
    const counts = await Promise.all(
      STATE_TABLES.map(async (table) => {
        const row = await server.deps.db.kysely
          .selectFrom(table)
          .select((eb) => eb.fn.countAll<number>().as("rows"))
          .executeTakeFirstOrThrow();
        return `${table}=${row.rows}`;
      }),
    );
    return counts.join(",");
  }

  const credentials = () =>
    fc.oneof(
      fc.constant({}),
      printable().map((value) => ({ authorization: value })),
      printable({ minLength: 1 }).map((value) => ({ authorization: `Bearer ${value}` })),
      fc
        .constantFrom("sk_live_", "sk_test_", "pk_live_", "pk_test_")
        .chain((prefix) => fc.stringMatching(/^[0-9A-Za-z]{20,40}$/).map((rest) => `${prefix}${rest}`))
        .map((key) => ({ authorization: `Bearer ${key}` })),
      fc.constantFrom(keys.secretLive, keys.secretTest).map((key) => ({ authorization: `Bearer ${key}` })),
      fc.constantFrom(keys.publishableLive, keys.publishableTest).map((key) => ({ "x-publishable-key": key })),
      printable().map((value) => ({ "x-publishable-key": value })),
      printable().map((value) => ({ cookie: `fanfare_dashboard=${value}`, "x-csrf-token": value })),
    );

  const body = () =>
    fc.oneof(
      fc.constant(undefined),
      fc
        .jsonValue({ maxDepth: 3, stringUnit: character })
        .map((value) => ({ type: "application/json", payload: JSON.stringify(value) })),
      text().map((value) => ({ type: "application/json", payload: value })),
      text().map((value) => ({ type: "text/plain", payload: value })),
    );

  const request = (path: string) =>
    fc.record({
      headers: credentials(),
      params: fc.array(text({ minLength: 1, maxLength: 40 }), { minLength: 4, maxLength: 4 }),
      query: fc.option(
        fc.dictionary(fc.constantFrom("first", "after", "status", "from", "interval", "mode", "email", "to"), text(), {
          maxKeys: 3,
        }),
      ),
      body: body(),
      path: fc.constant(path),
    });

  async function check(app: FastifyInstance, method: string, url: string): Promise<void> {
    await fc.assert(
      fc.asyncProperty(request(url), async (input) => {
        let index = 0;
        const path = input.path.replace(/:[A-Za-z]+/g, () => encodeURIComponent(input.params[index++] ?? "x"));
        const query = input.query ? `?${new URLSearchParams(input.query).toString()}` : "";
        const headers: Record<string, string> = { ...input.headers };
        if (input.body) headers["content-type"] = input.body.type;
        const before = await state();
        const response = await app.inject({
          method: method as InjectOptions["method"],
          url: `${path}${query}`,
          headers,
          ...(input.body ? { payload: input.body.payload } : {}),
        });
        const where = `${method} ${path}${query} → ${response.statusCode} ${response.body.slice(0, 200)}`;
        expect(response.statusCode, where).toBeLessThan(500);
        expect(response.body, where).not.toMatch(/\n\s+at |node_modules|\.ts:\d+/);
        if (response.statusCode >= 400) {
          const parsed = JSON.parse(response.body) as { error?: unknown; message?: unknown };
          expect(typeof parsed.error, where).toBe("string");
          if (parsed.message !== undefined) expect(typeof parsed.message, where).toBe("string");
          expect(await state(), where).toBe(before);
        }
      }),
      { numRuns: 25 },
    );
  }

  it("holds for every route of the admin and consumer APIs", async () => {
    const routes = [
      ...server.admin.routeAuthTable.map((route) => ({ app: server.admin, route })),
      ...server.consumer.routeAuthTable.map((route) => ({ app: server.consumer, route })),
    ];
    expect(routes.length).toBeGreaterThan(60);
    for (const { app, route } of routes) await check(app, route.method, route.url);
  }, 300_000);
});
