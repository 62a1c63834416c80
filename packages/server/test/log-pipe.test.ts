import net from "node:net";
import { afterEach, describe, expect, it } from "vitest";
import { createTestDatabase, dialects, type TestDatabase } from "./harness.js";
import { type ServerProcess, startServerProcess } from "./process.js";

// Each request logs its URL: 200 requests write ~2.4 MB, far more than a pipe (64 KiB) and the
// server's log buffer (1 MiB) hold.
const PADDED_URL = `/healthz?pad=${"a".repeat(12_000)}`;
const REQUESTS = 200;
// A server process starts slowly on a loaded machine.
const PROCESS_TEST_TIMEOUT_MS = 90_000;

/** Stops reading the server's stdout: the pipe fills up, as with a stuck log shipper. */
function stallStdout(server: ServerProcess): void {
  server.child.stdout?.pause();
}

/** Every request must be answered, however stuck the log reader is. */
async function floodWithLoggedRequests(server: ServerProcess): Promise<number[]> {
  const statuses: number[] = [];
  for (let batch = 0; batch < REQUESTS / 20; batch++) {
    const answers = await Promise.all(
      Array.from({ length: 20 }, () =>
        fetch(`${server.consumerUrl}${PADDED_URL}`, { signal: AbortSignal.timeout(10_000) }).then(
          (response) => response.status,
          () => 0,
        ),
      ),
    );
    statuses.push(...answers);
  }
  return statuses;
}

/** The exit code, or "still running" once `ms` have passed. */
function exitWithin(server: ServerProcess, ms: number): Promise<number | null | "still running"> {
  return Promise.race([
    server.exited,
    new Promise<"still running">((resolve) => setTimeout(() => resolve("still running"), ms)),
  ]);
}

describe.each(dialects())("a stdout pipe nobody reads (%s)", (dialect) => {
  let database: TestDatabase;
  let server: ServerProcess | undefined;
  afterEach(async () => {
    server?.child.kill("SIGKILL");
    await server?.exited;
    server = undefined;
    await database.drop();
  });

  it(
    "never holds up requests, and SIGTERM still ends the process at once",
    async () => {
      database = await createTestDatabase(dialect);
      server = await startServerProcess(database.env);
      stallStdout(server);

      const statuses = await floodWithLoggedRequests(server);
      expect(statuses.filter((status) => status !== 200)).toEqual([]);

      // Well inside the default 30 s deadline: the stuck log only costs its bounded drain wait.
      server.child.kill("SIGTERM");
      expect(await exitWithin(server, 8000)).toBe(0);
    },
    PROCESS_TEST_TIMEOUT_MS,
  );

  it(
    "ends by FANFARE_SHUTDOWN_TIMEOUT_MS when a request holds shutdown open and the log is stuck",
    async () => {
      database = await createTestDatabase(dialect);
      server = await startServerProcess({ ...database.env, FANFARE_SHUTDOWN_TIMEOUT_MS: "2000" });
      stallStdout(server);
      expect((await floodWithLoggedRequests(server)).filter((status) => status !== 200)).toEqual([]);

      // A request whose body never finishes arriving: graceful shutdown would wait for it forever.
      const { port } = new URL(server.adminUrl);
      const socket = net.connect({ host: "127.0.0.1", port: Number(port) });
      await new Promise((resolve) => socket.once("connect", resolve));
      socket.write("POST /api/v1/api-keys HTTP/1.1\r\nHost: localhost\r\nContent-Type: application/json\r\n");
      socket.write("Content-Length: 100\r\n\r\n{");
      await new Promise((resolve) => setTimeout(resolve, 500));

      const signalledAt = Date.now();
      server.child.kill("SIGTERM");
      expect(await exitWithin(server, 8000)).toBe(1);
      const took = Date.now() - signalledAt;
      expect(took).toBeGreaterThanOrEqual(1900);
      expect(took).toBeLessThan(8000);
      socket.destroy();
    },
    PROCESS_TEST_TIMEOUT_MS,
  );
});

describe("log lines dropped while stdout was stuck", () => {
  let database: TestDatabase;
  let server: ServerProcess | undefined;
  afterEach(async () => {
    server?.child.kill("SIGKILL");
    await server?.exited;
    await database.drop();
  });

  it(
    "are counted, and the count is logged once the reader catches up",
    async () => {
      database = await createTestDatabase("sqlite");
      server = await startServerProcess(database.env);
      const running = server;
      stallStdout(running);
      expect((await floodWithLoggedRequests(running)).filter((status) => status !== 200)).toEqual([]);

      running.child.stdout?.resume();
      const deadline = Date.now() + 10_000;
      while (!running.stdout().includes('"droppedLogLines"')) {
        if (Date.now() > deadline) throw new Error("no line reported the dropped log lines");
        await new Promise((resolve) => setTimeout(resolve, 50));
      }
      const entries = running
        .stdout()
        .split("\n")
        .filter((line) => line.startsWith("{"))
        .map((line) => JSON.parse(line) as Record<string, unknown>);
      const report = entries.find((entry) => "droppedLogLines" in entry);
      expect(report).toMatchObject({ level: 40, msg: "stdout was not read fast enough: log lines were dropped" });
      const dropped = Number(report?.droppedLogLines);
      const written = entries.filter((entry) => entry.msg === "request completed").length;
      // Whole lines were dropped (every line written is valid JSON), and none went unaccounted for.
      expect(dropped).toBeGreaterThan(0);
      expect(written).toBeLessThan(REQUESTS);
      expect(written + dropped).toBeGreaterThanOrEqual(REQUESTS);
    },
    PROCESS_TEST_TIMEOUT_MS,
  );
});
