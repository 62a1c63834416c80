import { createConfig, lintFromString } from "@redocly/openapi-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createTestServer, type TestServer } from "./harness.js";

/** What `redocly lint` with its recommended rules reports, as `rule at path: message` lines. */
async function lintProblems(document: string): Promise<{ errors: string[]; warnings: string[] }> {
  const problems = await lintFromString({
    source: document,
    absoluteRef: "openapi.json",
    config: await createConfig({ extends: ["recommended"] }),
  });
  const line = (problem: (typeof problems)[number]) =>
    `${problem.ruleId} at ${problem.location[0]?.pointer ?? "?"}: ${problem.message}`;
  return {
    errors: problems.filter((problem) => problem.severity === "error").map(line),
    warnings: problems.filter((problem) => problem.severity === "warn").map(line),
  };
}

describe("OpenAPI documents under redocly's recommended rules", () => {
  let server: TestServer;
  beforeAll(async () => {
    server = await createTestServer("sqlite");
  });
  afterAll(() => server.close());

  it.each(["consumer", "admin"] as const)("the %s API's document has no errors", async (api) => {
    const document = (await server[api].inject({ method: "GET", url: "/openapi.json" })).body;
    const { errors, warnings } = await lintProblems(document);
    expect(errors).toEqual([]);
    if (warnings.length > 0) console.log(`${api}: ${warnings.length} warnings\n${warnings.slice(0, 20).join("\n")}`);
  });
});
