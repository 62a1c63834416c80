import net from "node:net";
import { afterEach, describe, expect, it } from "vitest";
import { createTestDatabase, type TestDatabase } from "./harness.js";
import { runCli, type ServerProcess, startServerProcess, stopAll } from "./process.js";

/** Opens a raw connection to `url` and sends `text`; collects what comes back until it closes. */
function rawRequest(url: string, text: string) {
  const { hostname, port } = new URL(url);
  const socket = net.connect(Number(port), hostname);
  let received = "";
  socket.on("data", (chunk) => {
    received += chunk.toString();
  });
  socket.on("error", () => {});
  const closed = new Promise<void>((resolve) => socket.once("close", () => resolve()));
  socket.write(text);
  return { socket, closed, received: () => received };
}

const trickledGuest = (publishableKey: string) =>
  "POST /api/v1/auth/guest HTTP/1.1\r\nHost: x\r\n" +
  `X-Publishable-Key: ${publishableKey}\r\nContent-Type: application/json\r\nContent-Length: 100\r\n\r\n{"a":`;

describe("clients that send slowly", () => {
  const servers: ServerProcess[] = [];
  let database: TestDatabase;
  let publishableKey = "";

  const start = async (env: Record<string, string> = {}) => {
    database = await createTestDatabase("sqlite");
    const init = runCli(["init", "--name", "Slow", "--json"], database.env);
    publishableKey = JSON.parse(init.stdout).keys.publishableLive;
    const server = await startServerProcess({ ...database.env, ...env });
    servers.push(server);
    return server;
  };
  afterEach(async () => {
    await stopAll(servers);
    await database?.drop();
  });

  it("answers 408 in the error shape and closes a connection whose body stops arriving", async () => {
    const server = await start({ FANFARE_REQUEST_TIMEOUT_MS: "1000" });
    const startedAt = Date.now();
    const client = rawRequest(server.consumerUrl, trickledGuest(publishableKey));
    // Another byte now and then is not enough: the whole request must arrive in time.
    const trickle = setInterval(() => client.socket.write(" "), 200);
    await client.closed;
    clearInterval(trickle);
    expect(Date.now() - startedAt).toBeLessThan(5000);
    const [head, body] = client.received().split("\r\n\r\n");
    expect(head).toMatch(/^HTTP\/1\.1 408 /);
    expect(JSON.parse(body ?? "")).toEqual({
      error: "request_timeout",
      message: "The request was not received in time: send its headers and body without pausing.",
    });
  }, 90_000);

  it("answers 408 to headers that never finish", async () => {
    const server = await start({ FANFARE_REQUEST_TIMEOUT_MS: "1000" });
    const client = rawRequest(server.consumerUrl, "GET /healthz HTTP/1.1\r\nHost: x\r\n");
    await client.closed;
    expect(client.received()).toMatch(/^HTTP\/1\.1 408 /);
  }, 90_000);

  it("drops a request still arriving 5 s into shutdown instead of waiting out its timeout", async () => {
    const server = await start({ FANFARE_SHUTDOWN_TIMEOUT_MS: "20000", FANFARE_REQUEST_TIMEOUT_MS: "60000" });
    const client = rawRequest(server.consumerUrl, trickledGuest(publishableKey));
    const trickle = setInterval(() => client.socket.write(" "), 200);
    await new Promise((resolve) => setTimeout(resolve, 300));
    const stoppingAt = Date.now();
    server.child.kill("SIGTERM");
    expect(await server.exited).toBe(0);
    clearInterval(trickle);
    expect(Date.now() - stoppingAt).toBeLessThan(9000);
    expect(server.stdout()).toContain('"msg":"shutdown complete"');
  }, 90_000);
});
