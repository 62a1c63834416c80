import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { createTestDatabase, type TestDatabase } from "./harness.js";
import { runCli, type ServerProcess, startServerProcess, stopAll } from "./process.js";

const withPostgres = inject("postgres");
if (!withPostgres) console.log("[skip] revocations at start: PostgreSQL is not reachable");

/**
 * A process judges tokens other processes signed without asking the database once it knows every
 * revocation still in reach: it must read the ones made before it started.
 */
describe.runIf(withPostgres)("a server process started after a session was revoked", () => {
  let database: TestDatabase;
  const servers: ServerProcess[] = [];
  let publishableKey = "";

  beforeAll(async () => {
    database = await createTestDatabase("postgres");
    publishableKey = JSON.parse(runCli(["init", "--name", "Late", "--json"], database.env).stdout).keys.publishableLive;
    servers.push(await startServerProcess(database.env));
  }, 60_000);
  afterAll(async () => {
    await stopAll(servers);
    await database.drop();
  });

  const guestOn = async (server: ServerProcess) => {
    const response = await fetch(`${server.consumerUrl}/api/v1/auth/guest`, {
      method: "POST",
      headers: { "x-publishable-key": publishableKey },
    });
    return ((await response.json()) as { accessToken: string }).accessToken;
  };
  const sessionsOn = (server: ServerProcess, token: string) =>
    fetch(`${server.consumerUrl}/api/v1/auth/sessions`, { headers: { authorization: `Bearer ${token}` } });

  it("refuses the revoked session's token and accepts a live one signed by the other process", async () => {
    const [first] = servers as [ServerProcess];
    const revoked = await guestOn(first);
    const logout = await fetch(`${first.consumerUrl}/api/v1/auth/logout`, {
      method: "POST",
      headers: { authorization: `Bearer ${revoked}` },
    });
    expect(logout.status).toBe(204);
    const live = await guestOn(first);

    const late = await startServerProcess(database.env);
    servers.push(late);
    expect((await sessionsOn(late, revoked)).status).toBe(401);
    expect((await sessionsOn(late, live)).status).toBe(200);
  }, 60_000);
});
