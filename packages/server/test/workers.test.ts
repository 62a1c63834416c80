import { createServer, request } from "node:http";
import type { AddressInfo } from "node:net";
import { afterEach, describe, expect, inject, it } from "vitest";
import { createTestDatabase, type TestDatabase } from "./harness.js";
import { runCli, type ServerProcess, startServerProcess, stopAll } from "./process.js";

const REDIS_URL = process.env.FANFARE_TEST_REDIS_URL ?? "redis://127.0.0.1:6379";

/** A POST on a connection of its own, so the cluster deals each to a worker afresh. */
function postAlone(url: string, headers: Record<string, string>): Promise<number> {
  return new Promise((resolve, reject) => {
    const sent = request(url, { method: "POST", headers, agent: false }, (response) => {
      response.resume();
      response.on("end", () => resolve(response.statusCode ?? 0));
    });
    sent.on("error", reject);
    sent.end();
  });
}

describe("fanfare serve --workers", () => {
  let database: TestDatabase | undefined;
  const servers: ServerProcess[] = [];

  afterEach(async () => {
    await stopAll(servers);
    await database?.drop();
    database = undefined;
  });

  it("refuses more than one worker on SQLite, and a count that is not one", async () => {
    database = await createTestDatabase("sqlite");
    const sqlite = runCli(["serve", "--workers", "2"], database.env);
    expect(sqlite.status).not.toBe(0);
    expect(sqlite.stderr).toContain("--workers 2 needs PostgreSQL: set FANFARE_DATABASE_URL");
    for (const count of ["0", "two"]) {
      const bad = runCli(["serve", "--workers", count], database.env);
      expect(bad.status).not.toBe(0);
      expect(bad.stderr).toContain(`--workers must be a positive whole number or auto (got "${count}")`);
    }
  });

  it.runIf(inject("postgres"))("refuses more than one worker without Redis to share rate limits", async () => {
    database = await createTestDatabase("postgres");
    const refused = runCli(["serve", "--workers", "2"], database.env);
    expect(refused.status).not.toBe(0);
    expect(refused.stderr).toContain("--workers 2 needs FANFARE_REDIS_URL");
  });

  it.runIf(inject("postgres") && inject("redis"))(
    "gives up with a clear error when the workers cannot start, instead of restarting them forever",
    async () => {
      database = await createTestDatabase("postgres");
      // The primary checks neither HTTPS nor the metrics token: every worker refuses to start.
      const refused = runCli(["serve", "--workers", "2"], {
        ...database.env,
        FANFARE_REDIS_URL: REDIS_URL,
        NODE_ENV: "production",
        FANFARE_CONSUMER_PORT: "0",
        FANFARE_ADMIN_PORT: "0",
      });
      expect(refused.status).not.toBe(0);
      expect(refused.stderr).toContain("FANFARE_TLS_CERT_FILE and FANFARE_TLS_KEY_FILE are required");
      expect(refused.stderr).toMatch(/--workers 2: worker \d+ exited with code 1 before listening/);
    },
  );

  it.runIf(inject("postgres") && inject("redis"))(
    "refuses to start when a port is taken: the primary listens on both itself",
    async () => {
      database = await createTestDatabase("postgres");
      const taken = createServer();
      await new Promise<void>((resolve) => taken.listen(0, "127.0.0.1", resolve));
      try {
        const port = String((taken.address() as AddressInfo).port);
        const refused = runCli(["serve", "--workers", "2"], {
          ...database.env,
          FANFARE_REDIS_URL: REDIS_URL,
          FANFARE_CONSUMER_PORT: port,
          FANFARE_ADMIN_PORT: "0",
        });
        expect(refused.status).not.toBe(0);
        expect(refused.stderr).toContain(`EADDRINUSE: address already in use 127.0.0.1:${port}`);
        // No worker was started for a server that could not listen.
        expect(refused.stderr).not.toContain("worker");
      } finally {
        taken.close();
      }
    },
  );

  it.runIf(inject("postgres") && inject("redis"))(
    "serves from every worker on the same ports, bootstraps once, and drains them all on SIGTERM",
    async () => {
      database = await createTestDatabase("postgres");
      const server = await startServerProcess(
        { ...database.env, FANFARE_REDIS_URL: REDIS_URL, FANFARE_LOG_LEVEL: "info" },
        ["--workers", "2", "--dev-bootstrap"],
      );
      servers.push(server);
      expect(server.stdout()).toContain(", 2 workers)");
      expect(server.stdout().match(/Created a development organization/g)).toHaveLength(1);
      const publishable = /pk_live_\w+/.exec(server.stdout())?.[0] as string;

      const statuses = await Promise.all(
        Array.from({ length: 30 }, () =>
          postAlone(`${server.consumerUrl}/api/v1/auth/guest`, { "x-publishable-key": publishable }),
        ),
      );
      expect(statuses.every((status) => status === 200)).toBe(true);
      await new Promise((resolve) => setTimeout(resolve, 200));
      const servedBy = new Set(
        server
          .stdout()
          .split("\n")
          .filter((line) => line.includes("/api/v1/auth/guest"))
          .map((line) => /"worker":(\d+)/.exec(line)?.[1])
          .filter(Boolean),
      );
      expect(servedBy).toEqual(new Set(["1", "2"]));

      servers.splice(0);
      server.child.kill("SIGTERM");
      expect(await server.exited).toBe(0);
    },
  );
});
