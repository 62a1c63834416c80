import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { preparedQuery } from "../src/db/prepared.js";
import { createOrganization } from "../src/modules/orgs/service.js";
import { createTestServer, dialects, type TestServer } from "./harness.js";

describe.each(dialects())("preparedQuery (%s)", (dialect) => {
  let server: TestServer;
  beforeAll(async () => {
    server = await createTestServer(dialect);
  });
  afterAll(() => server.close());

  it("compiles once and answers each call with that call's own arguments, constants kept", async () => {
    const { organization } = await createOrganization(server.deps, { name: "Prepared", plan: "pro" });
    const byKind = preparedQuery(2, (kysely, organizationId: string, kind: string) =>
      kysely
        .selectFrom("api_keys")
        .select(["kind", "mode"])
        .where("organization_id", "=", organizationId)
        .where("kind", "=", kind as "secret")
        .where("mode", "=", "test"),
    );
    expect(await byKind(server.deps.db, organization.id, "secret")).toEqual([{ kind: "secret", mode: "test" }]);
    expect(await byKind(server.deps.db, organization.id, "publishable")).toEqual([
      { kind: "publishable", mode: "test" },
    ]);
    expect(await byKind(server.deps.db, "org_other", "secret")).toEqual([]);
  });

  it("refuses a build that uses an argument as anything but a value", async () => {
    const misuse = preparedQuery(1, (kysely, _unused: string) => kysely.selectFrom("api_keys").select("id"));
    await expect(misuse(server.deps.db, "x")).rejects.toThrow("every argument must appear in the query as a value");
  });
});
