import { readFileSync } from "node:fs";
import * as contract from "@fanfare/contract/routes";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createTestServer, type TestServer } from "./harness.js";

const README = readFileSync(new URL("../../../README.md", import.meta.url), "utf8");

/** `METHOD /api/v1/…` as the README's API overview spells its routes (query strings dropped). */
function documentedRoutes(): Set<string> {
  const section = README.slice(README.indexOf("## API overview"), README.indexOf("\n## CLI"));
  const routes = [...section.matchAll(/`(GET|POST|PUT|PATCH|DELETE) (\/api\/v1\/[^`\s?]*)[^`]*`/g)];
  return new Set(routes.map(([, method, path]) => `${method} ${path}`));
}

describe("the README's API overview and the contract", () => {
  let server: TestServer;
  beforeAll(async () => {
    server = await createTestServer("sqlite");
  });
  afterAll(() => server.close());

  it("names every route of the contract, each served by its API, and no other", () => {
    const defined = (Object.values(contract) as unknown[]).filter(
      (value): value is contract.Route => typeof value === "object" && value !== null && "operationId" in value,
    );
    const servedBy = (app: TestServer["consumer"]) =>
      new Set(app.routeAuthTable.map(({ method, url }) => `${method} ${url}`));
    const served = { consumer: servedBy(server.consumer), admin: servedBy(server.admin) };
    const contractRoutes = new Set(defined.map(({ method, path }) => `${method} /api/v1${path}`));
    for (const route of defined)
      expect(served[route.api], route.operationId).toContain(`${route.method} /api/v1${route.path}`);
    expect(new Set([...served.consumer, ...served.admin])).toEqual(contractRoutes);

    const documented = documentedRoutes();
    expect([...contractRoutes].filter((route) => !documented.has(route)).sort()).toEqual([]);
    expect([...documented].filter((route) => !contractRoutes.has(route)).sort()).toEqual([]);
  });
});
