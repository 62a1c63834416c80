import { ERRORS, type ErrorCode } from "@fanfare/contract";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createTestServer, type TestServer } from "./harness.js";

interface Operation {
  operationId?: string;
  summary?: string;
  security?: Record<string, string[]>[];
  responses: Record<
    string,
    {
      description: string;
      content?: { "application/json"?: { schema?: { "x-fanfare-error-codes"?: ErrorCode[] } } };
    }
  >;
}
interface Document {
  servers?: { url: string }[];
  paths: Record<string, Record<string, Operation>>;
  components: { securitySchemes: Record<string, unknown> };
}

const METHODS = new Set(["get", "post", "put", "patch", "delete"]);

function operationsOf(document: Document): [string, Operation][] {
  return Object.entries(document.paths).flatMap(([path, item]) =>
    Object.entries(item)
      .filter(([method]) => METHODS.has(method))
      .map(([method, operation]) => [`${method.toUpperCase()} ${path}`, operation] as [string, Operation]),
  );
}

/** The error responses each operation documents, by code (from the responses' own code lists). */
function documentedCodes(operation: Operation): ErrorCode[] {
  return Object.values(operation.responses).flatMap(
    (response) => response.content?.["application/json"]?.schema?.["x-fanfare-error-codes"] ?? [],
  );
}

describe("OpenAPI documents", () => {
  let server: TestServer;
  let documents: { consumer: Document; admin: Document };
  /** `GET /api/v1/experiences/{id}` of the routes that take no credential. */
  let publicOperations: Set<string>;

  beforeAll(async () => {
    server = await createTestServer("sqlite");
    const read = async (app: TestServer["consumer"]) =>
      (await app.inject({ method: "GET", url: "/openapi.json" })).json() as Document;
    documents = { consumer: await read(server.consumer), admin: await read(server.admin) };
    publicOperations = new Set(
      [...server.consumer.routeAuthTable, ...server.admin.routeAuthTable]
        .filter(({ auth }) => auth.kind === "none")
        .map(({ method, url }) => `${method} ${url.replace(/:(\w+)/g, "{$1}")}`),
    );
  });
  afterAll(() => server.close());

  it("are browsable at /docs, titled Fanfare, each with its API's authentication schemes", async () => {
    for (const [app, title] of [
      [server.consumer, "Fanfare consumer API"],
      [server.admin, "Fanfare admin API"],
    ] as const) {
      const page = await app.inject({ method: "GET", url: "/docs" });
      expect(page.statusCode).toBe(200);
      expect(page.body).toContain(`<title>${title}</title>`);
    }
    expect(Object.keys(documents.consumer.components.securitySchemes).sort()).toEqual([
      "ConsumerToken",
      "PublishableKey",
      "SecretKey",
    ]);
    expect(Object.keys(documents.admin.components.securitySchemes).sort()).toEqual(["DashboardSession", "SecretKey"]);
    // The live view's stream is documented as what it is.
    const events = documents.admin.paths["/api/v1/queues/{id}/events"]?.get?.responses["200"];
    expect(Object.keys(events?.content ?? {})).toEqual(["text/event-stream"]);
  });

  it("name a server, and give every operation a summary, a unique operationId and its security requirement", () => {
    for (const [api, document] of Object.entries(documents)) {
      expect(document.servers, api).toEqual([expect.objectContaining({ url: "/" })]);
      const operations = operationsOf(document);
      expect(operations.length, api).toBeGreaterThan(10);
      const unsummarised = operations.filter(([, operation]) => !operation.summary?.trim()).map(([name]) => name);
      expect(unsummarised, api).toEqual([]);
      const ids = operations.map(([, operation]) => operation.operationId);
      expect(
        ids.every((id) => typeof id === "string" && /^[a-z][A-Za-z0-9]+$/.test(id)),
        api,
      ).toBe(true);
      expect(new Set(ids).size, api).toBe(ids.length);
      for (const [name, operation] of operations) {
        const requirements = operation.security?.length ?? 0;
        if (publicOperations.has(name)) expect(requirements, name).toBe(0);
        else expect(requirements, name).toBeGreaterThan(0);
        for (const requirement of operation.security ?? []) {
          for (const scheme of Object.keys(requirement)) {
            expect(document.components.securitySchemes, `${name}: ${scheme}`).toHaveProperty(scheme);
          }
        }
      }
    }
  });

  it("document the error responses each operation can give, with their body schema", () => {
    const consumer = operationsOf(documents.consumer);
    const admin = operationsOf(documents.admin);
    const byName = new Map([...consumer, ...admin]);
    for (const [name, operation] of byName) {
      if (publicOperations.has(name)) continue;
      expect(operation.responses["500"], name).toBeDefined();
      expect(operation.responses["401"], name).toBeDefined();
      expect(operation.responses["401"]?.content, name).toBeDefined();
    }
    const enter = byName.get("POST /api/v1/queues/{id}/enter") as Operation;
    expect(documentedCodes(enter)).toEqual(
      expect.arrayContaining(["invalid_token", "queue_not_found", "queue_not_open", "queue_closed", "queue_full"]),
    );
    expect(enter.responses["423"]?.description).toContain("queue_not_open");
    const experience = byName.get("GET /api/v1/experiences/{id}") as Operation;
    expect(documentedCodes(experience)).toEqual(expect.arrayContaining(["invalid_api_key", "experience_not_found"]));
    expect(documentedCodes(experience)).not.toContain("invalid_json");
  });

  it("say 204 where the operation answers 204, and nothing else for success", () => {
    const noContent = [
      ["consumer", "POST /api/v1/auth/logout"],
      ["consumer", "DELETE /api/v1/auth/sessions/{id}"],
      ["admin", "POST /api/v1/dashboard/sign-out"],
      ["admin", "DELETE /api/v1/dashboard/sessions/{id}"],
      ["admin", "DELETE /api/v1/dashboard/members/{id}"],
      ["admin", "DELETE /api/v1/dashboard/invitations/{id}"],
    ] as const;
    for (const [api, name] of noContent) {
      const operation = new Map(operationsOf(documents[api])).get(name);
      expect(operation, name).toBeDefined();
      const successes = Object.keys(operation?.responses ?? {}).filter((status) => status.startsWith("2"));
      expect(successes, name).toEqual(["204"]);
      expect(operation?.responses["204"]?.content, name).toBeUndefined();
    }
  });

  it("between them name every code of the error catalog", () => {
    const named = new Set(
      [...operationsOf(documents.consumer), ...operationsOf(documents.admin)].flatMap(([, operation]) =>
        documentedCodes(operation),
      ),
    );
    // An unknown route is not an operation, and a request too slow or with headers too large is
    // answered before any route is matched: those are documented in the README's catalog only.
    const beforeRouting = new Set<ErrorCode>(["route_not_found", "request_timeout", "headers_too_large"]);
    const missing = (Object.keys(ERRORS) as ErrorCode[]).filter((code) => !named.has(code) && !beforeRouting.has(code));
    expect(missing).toEqual([]);
  });
});
