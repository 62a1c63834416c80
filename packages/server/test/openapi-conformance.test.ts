import { Ajv2020 } from "ajv/dist/2020.js";
import addFormatsModule from "ajv-formats";
import type { FastifyInstance, LightMyRequestResponse } from "fastify";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createTestOrganization, createTestServer, dialects, type TestServer } from "./harness.js";
import { type CallOptions, call } from "./http.js";

// ajv-formats ships CommonJS; its default export arrives wrapped under ESM.
const addFormats = addFormatsModule as unknown as (ajv: Ajv2020) => Ajv2020;

interface ResponseObject {
  content?: { "application/json"?: { schema?: object } };
}
interface Document {
  paths: Record<string, Record<string, { responses: Record<string, ResponseObject> }>>;
}

/**
 * Checks real responses against an API's own OpenAPI document: the operation must document the
 * status, and the body must match that response's schema (or be empty for a response without one).
 */
class Conformance {
  private readonly ajv = addFormats(new Ajv2020({ strict: false, allErrors: true }));
  private readonly templates: { pattern: RegExp; path: string; parameters: number }[];
  readonly checked: string[] = [];

  constructor(private readonly document: Document) {
    this.templates = Object.keys(document.paths).map((path) => ({
      path,
      pattern: new RegExp(`^${path.replace(/\{\w+\}/g, "[^/]+")}$`),
      parameters: (path.match(/\{/g) ?? []).length,
    }));
  }

  check(method: string, url: string, response: LightMyRequestResponse): void {
    const path = url.split("?")[0] as string;
    const [template] = this.templates
      .filter((candidate) => candidate.pattern.test(path))
      .sort((a, b) => a.parameters - b.parameters);
    const name = `${method} ${path} → ${response.statusCode}`;
    expect(template, `${name}: no operation in the document`).toBeDefined();
    const operation = this.document.paths[template?.path as string]?.[method.toLowerCase()];
    expect(operation, `${name}: no operation in the document`).toBeDefined();
    const documented = operation?.responses[String(response.statusCode)];
    expect(documented, `${name}: status not documented`).toBeDefined();
    const schema = documented?.content?.["application/json"]?.schema;
    if (!schema) {
      expect(response.body, `${name}: a body where the document says none`).toBe("");
    } else {
      const valid = this.ajv.validate(schema, response.json());
      expect(valid, `${name}: ${this.ajv.errorsText()}\n${response.body}`).toBe(true);
    }
    this.checked.push(`${method} ${template?.path} ${response.statusCode}`);
  }
}

describe.each(dialects())("real responses match the OpenAPI documents (%s)", (dialect) => {
  let server: TestServer;
  let consumer: (method: string, url: string, options?: CallOptions) => Promise<LightMyRequestResponse>;
  let admin: typeof consumer;
  let conformance: { consumer: Conformance; admin: Conformance };

  beforeAll(async () => {
    server = await createTestServer(dialect);
    const documentOf = async (app: FastifyInstance) =>
      (await app.inject({ method: "GET", url: "/openapi.json" })).json() as Document;
    conformance = {
      consumer: new Conformance(await documentOf(server.consumer)),
      admin: new Conformance(await documentOf(server.admin)),
    };
    const checked =
      (app: FastifyInstance, against: Conformance) => async (method: string, url: string, options?: CallOptions) => {
        const response = await call(app, method as "GET", url, options);
        against.check(method, url, response);
        return response;
      };
    consumer = checked(server.consumer, conformance.consumer);
    admin = checked(server.admin, conformance.admin);
  });
  afterAll(() => server.close());

  it("through a drop: set-up, shoppers, admission, sign-out, and the errors on the way", async () => {
    const { keys } = await createTestOrganization(server);
    const secret = keys.secretLive;
    const pk = { "x-publishable-key": keys.publishableLive };
    const plain = { "content-type": "text/plain" };

    // The merchant sets up a drop; mistakes on the way.
    expect((await admin("POST", "/api/v1/experiences", { key: secret, body: {} })).statusCode).toBe(400);
    expect((await admin("POST", "/api/v1/experiences", { key: secret, headers: plain, body: "x" })).statusCode).toBe(
      415,
    );
    expect((await admin("GET", "/api/v1/experiences")).statusCode).toBe(401);
    expect((await admin("GET", "/api/v1/experiences", { key: "sk_live_nope" })).statusCode).toBe(401);
    expect((await admin("GET", "/api/v1/experiences", { key: keys.publishableLive })).statusCode).toBe(401);
    const experience = (await admin("POST", "/api/v1/experiences", { key: secret, body: { name: "Drop" } })).json();
    expect((await admin("GET", `/api/v1/experiences/${experience.id}`, { key: secret })).statusCode).toBe(200);
    expect((await admin("GET", "/api/v1/experiences/exp_01JNOSUCHEXPERIENCE0000000", { key: secret })).statusCode).toBe(
      404,
    );
    expect((await admin("GET", "/api/v1/experiences?first=2", { key: secret })).statusCode).toBe(200);
    const created = await admin("POST", `/api/v1/experiences/${experience.id}/queues`, {
      key: secret,
      body: { name: "Line", capacity: 1 },
    });
    expect(created.statusCode).toBe(201);
    const queue = created.json();
    expect(
      (await admin("PATCH", `/api/v1/queues/${queue.id}`, { key: secret, body: { name: "Main" } })).statusCode,
    ).toBe(200);

    // Shoppers: public reads, guest sessions, a place each while capacity lasts.
    expect((await consumer("GET", "/api/v1/organizations/current", { headers: pk })).statusCode).toBe(200);
    expect((await consumer("GET", `/api/v1/experiences/${experience.id}`, { headers: pk })).statusCode).toBe(200);
    expect((await consumer("GET", `/api/v1/queues/${queue.id}`, { headers: pk })).statusCode).toBe(200);
    const first = (await consumer("POST", "/api/v1/auth/guest", { headers: pk })).json();
    const second = (await consumer("POST", "/api/v1/auth/guest", { headers: pk })).json();
    const as = (guest: { accessToken: string }) => ({ key: guest.accessToken, headers: pk });
    expect((await consumer("POST", `/api/v1/queues/${queue.id}/enter`, as(first))).statusCode).toBe(201);
    expect((await consumer("POST", `/api/v1/queues/${queue.id}/enter`, as(first))).statusCode).toBe(200);
    expect((await consumer("POST", `/api/v1/queues/${queue.id}/enter`, as(second))).statusCode).toBe(429);
    expect((await consumer("GET", `/api/v1/queues/${queue.id}/status`, as(first))).statusCode).toBe(200);
    expect((await consumer("GET", `/api/v1/queues/${queue.id}/status`, as(second))).statusCode).toBe(404);
    expect((await consumer("GET", "/api/v1/consumers/me", as(first))).statusCode).toBe(200);
    expect(
      (await consumer("GET", `/api/v1/queues/${queue.id}/status`, { key: "not.a.token", headers: pk })).statusCode,
    ).toBe(401);

    // The merchant admits and checks admissions.
    const admitted = await consumer("POST", `/api/v1/queues/${queue.id}/admit`, { key: secret, body: { count: 1 } });
    expect(admitted.statusCode).toBe(200);
    const validation = await consumer("POST", `/api/v1/queues/${queue.id}/validate`, {
      key: secret,
      body: { consumerId: first.session.consumerId, token: "forged" },
    });
    expect(validation.statusCode).toBe(403);

    // Sessions: a refresh, a bad one, sign-in errors, sign-out.
    const refreshed = await consumer("POST", "/api/v1/auth/refresh", {
      headers: pk,
      body: { refreshToken: first.refreshToken },
    });
    expect(refreshed.statusCode).toBe(200);
    expect(
      (await consumer("POST", "/api/v1/auth/refresh", { headers: pk, body: { refreshToken: "rt_nope" } })).statusCode,
    ).toBe(401);
    expect(
      (await consumer("POST", "/api/v1/auth/otp/request", { headers: pk, body: { phone: "not a phone" } })).statusCode,
    ).toBe(400);
    expect((await consumer("GET", "/api/v1/auth/sessions", as(second))).statusCode).toBe(200);
    expect((await consumer("POST", "/api/v1/auth/logout", as(second))).statusCode).toBe(204);
    expect((await consumer("GET", "/api/v1/auth/sessions", as(second))).statusCode).toBe(401);

    // The merchant's other reads.
    for (const url of [
      "/api/v1/api-keys",
      "/api/v1/usage",
      "/api/v1/alerts",
      "/api/v1/audit-log",
      "/api/v1/organization",
    ]) {
      expect((await admin("GET", url, { key: secret })).statusCode, url).toBe(200);
    }
    expect((await admin("DELETE", `/api/v1/queues/${queue.id}`, { key: secret })).statusCode).toBe(200);

    // The dashboard's sign-in, with a code nobody sent.
    const email = { email: "nobody@example.com" };
    expect((await admin("POST", "/api/v1/dashboard/sign-in", { body: email })).statusCode).toBe(202);
    expect(
      (await admin("POST", "/api/v1/dashboard/sign-in/verify", { body: { ...email, code: "000000" } })).json(),
    ).toMatchObject({ error: "otp_invalid" });

    // Every kind of answer above was checked against the documents, errors included.
    const statuses = new Set(
      [...conformance.consumer.checked, ...conformance.admin.checked].map((line) => line.slice(-3)),
    );
    expect([...statuses].sort()).toEqual(["200", "201", "202", "204", "400", "401", "403", "404", "415", "429"]);
  });
});
