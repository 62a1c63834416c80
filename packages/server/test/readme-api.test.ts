import { readFileSync } from "node:fs";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createTestServer, type TestServer } from "./harness.js";

const README = readFileSync(new URL("../../../README.md", import.meta.url), "utf8");

/** `METHOD /api/v1/…` as the README's API overview spells its routes (query strings dropped). */
function documentedRoutes(): Set<string> {
  const section = README.slice(README.indexOf("## API overview"), README.indexOf("\n## CLI"));
  const routes = [...section.matchAll(/`(GET|POST|PUT|PATCH|DELETE) (\/api\/v1\/[^`\s?]*)[^`]*`/g)];
  return new Set(routes.map(([, method, path]) => `${method} ${path}`));
}

describe("the README's API overview", () => {
  let server: TestServer;
  beforeAll(async () => {
    server = await createTestServer("sqlite");
  });
  afterAll(() => server.close());

  it("names every route both APIs serve, and no route they do not", () => {
    const served = new Set(
      [...server.consumer.routeAuthTable, ...server.admin.routeAuthTable].map(({ method, url }) => `${method} ${url}`),
    );
    const documented = documentedRoutes();
    expect([...served].filter((route) => !documented.has(route)).sort()).toEqual([]);
    expect([...documented].filter((route) => !served.has(route)).sort()).toEqual([]);
  });
});
