import { execFileSync } from "node:child_process";
import { request } from "node:http";
import { connect, type Socket } from "node:net";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { FaultProxy } from "./fault-proxy.js";
import type { ServerProcess } from "./process.js";
import { type ProxiedServer, serveThroughProxy } from "./proxied-server.js";
import { REDIS_URL } from "./services.js";
import { until } from "./until.js";

const withServices = inject("postgres") && inject("redis");
if (!withServices) console.log("[skip] worker fault tests: PostgreSQL or Redis is not reachable");

/** Longer than any answer or close this suite accepts: a connection still open then is hanging. */
const HUNG_MS = 5000;

interface Outcome {
  /** The status answered, or undefined when the connection was closed without an answer. */
  status: number | undefined;
  ms: number;
  hung: boolean;
}

/** One request on a connection of its own, so that the primary deals it afresh. */
function attempt(url: string): Promise<Outcome> {
  const started = Date.now();
  return new Promise((resolve) => {
    const settle = (status: number | undefined, hung = false) => resolve({ status, ms: Date.now() - started, hung });
    const sent = request(url, { agent: false, timeout: HUNG_MS }, (response) => {
      response.resume();
      response.on("end", () => settle(response.statusCode));
      response.on("error", () => settle(undefined));
    });
    sent.on("timeout", () => {
      sent.destroy();
      settle(undefined, true);
    });
    sent.on("error", () => settle(undefined));
    sent.end();
  });
}

/** A raw keep-alive connection: what it has received, and when it closed. */
interface Held {
  socket: Socket;
  received(): string;
  closedAt: number | undefined;
}

function hold(url: string, requestText: string): Held {
  const { hostname, port } = new URL(url);
  const socket = connect(Number(port), hostname);
  const held: Held = { socket, received: () => text, closedAt: undefined };
  let text = "";
  socket.on("data", (chunk: Buffer) => {
    text += chunk.toString();
  });
  socket.on("error", () => {});
  socket.on("close", () => {
    held.closedAt = Date.now();
  });
  socket.write(requestText);
  return held;
}

const HEALTH_REQUEST = "GET /healthz HTTP/1.1\r\nHost: fanfare\r\n\r\n";
const answers = (held: Held) => held.received().split("HTTP/1.1 200").length - 1;

/**
 * `fanfare serve --workers 2` with PostgreSQL behind a proxy the test cuts, and workers the test
 * kills: the primary owns the ports, so no connection waits on a worker that is not there.
 */
describe.runIf(withServices)("serve --workers when workers die or PostgreSQL goes away", () => {
  const proxy = new FaultProxy(5432);
  let proxied: ProxiedServer | undefined;
  let server: ServerProcess;
  let secretKey = "";
  let publishableKey = "";

  beforeAll(async () => {
    proxied = await serveThroughProxy(proxy, "Workers", { FANFARE_REDIS_URL: REDIS_URL }, ["--workers", "2"]);
    ({ server, secretKey, publishableKey } = proxied);
  }, 60_000);
  afterAll(() => proxied?.stop());

  const workerPids = (): number[] => {
    try {
      const out = execFileSync("pgrep", ["-P", String(server.child.pid)], { encoding: "utf8" });
      return out.split("\n").filter(Boolean).map(Number);
    } catch {
      return []; // pgrep exits 1 when there is none
    }
  };
  const outagesLogged = () => server.stdout().split('"workers failing; retrying with backoff"').length - 1;
  const recoveriesLogged = () => server.stdout().split('"workers working again"').length - 1;
  const bothReplaced = async (recoveriesBefore: number) => {
    await until("both workers to serve again", () => recoveriesLogged() > recoveriesBefore, 30_000);
    expect(workerPids()).toHaveLength(2);
  };

  it("closes at once every connection made while no worker is live, and serves again once replacements listen", async () => {
    const before = workerPids();
    expect(before).toHaveLength(2);
    const [outages, recoveries] = [outagesLogged(), recoveriesLogged()];
    for (const pid of before) process.kill(pid, "SIGKILL");

    // From the kill until a replacement answers, a few connections at a time.
    const outcomes: Outcome[] = [];
    const deadline = Date.now() + 30_000;
    while (!outcomes.some((outcome) => outcome.status === 200) && Date.now() < deadline) {
      outcomes.push(...(await Promise.all(Array.from({ length: 4 }, () => attempt(`${server.consumerUrl}/healthz`)))));
    }
    expect(outcomes.some((outcome) => outcome.status === 200)).toBe(true);
    const closed = outcomes.filter((outcome) => outcome.status === undefined);
    expect(closed.length).toBeGreaterThan(0);
    expect(outcomes.filter((outcome) => outcome.hung)).toEqual([]);
    expect(Math.max(...outcomes.map((outcome) => outcome.ms))).toBeLessThan(1000);

    await bothReplaced(recoveries);
    expect(workerPids().filter((pid) => before.includes(pid))).toEqual([]);
    // Two workers died, one outage: one line when it began and one when both served again.
    expect(outagesLogged()).toBe(outages + 1);
    expect(recoveriesLogged()).toBe(recoveries + 1);
    const healthy = await Promise.all(Array.from({ length: 6 }, () => attempt(`${server.consumerUrl}/healthz`)));
    expect(healthy.map((outcome) => outcome.status)).toEqual([200, 200, 200, 200, 200, 200]);
  }, 60_000);

  it("closes the connections a worker held or had been handed when it dies, and no others", async () => {
    const [stopped, running] = workerPids();
    expect(running).toBeDefined();
    const recoveries = recoveriesLogged();
    // Answered, so held by a worker: one of the two has each.
    const accepted = Array.from({ length: 4 }, () => hold(server.consumerUrl, HEALTH_REQUEST));
    await until("the first connections to be answered", () => accepted.every((held) => answers(held) === 1));

    // A stopped worker never acknowledges what it is handed: the primary keeps its copy.
    process.kill(stopped as number, "SIGSTOP");
    const handed = Array.from({ length: 4 }, () => hold(server.consumerUrl, HEALTH_REQUEST));
    await until("the live worker to answer its share", () => handed.filter((held) => answers(held) === 1).length === 2);
    const unanswered = handed.filter((held) => answers(held) === 0);
    expect(unanswered).toHaveLength(2);

    const killed = Date.now();
    process.kill(stopped as number, "SIGKILL");
    const closed = () => [...accepted, ...handed].filter((held) => held.closedAt !== undefined);
    await until("the dead worker's four connections to close", () => closed().length >= 4, HUNG_MS);
    expect(unanswered.every((held) => held.closedAt !== undefined)).toBe(true);
    expect(accepted.filter((held) => held.closedAt !== undefined)).toHaveLength(2);
    for (const held of closed()) expect((held.closedAt as number) - killed).toBeLessThan(1000);

    // The live worker's connections were never touched: they answer again.
    const survivors = [...accepted, ...handed].filter((held) => !held.closedAt);
    expect(survivors).toHaveLength(4);
    for (const held of survivors) held.socket.write(HEALTH_REQUEST);
    await until("the live worker to answer again", () => survivors.every((held) => answers(held) === 2));
    for (const held of [...accepted, ...handed]) held.socket.destroy();
    await bothReplaced(recoveries);
  }, 60_000);

  /** A key creation on a connection of its own, so that both workers answer some. */
  const createKey = (): Promise<{ status: number; body: string }> =>
    new Promise((resolve, reject) => {
      const sent = request(
        `${server.adminUrl}/api/v1/api-keys`,
        {
          method: "POST",
          agent: false,
          headers: { authorization: `Bearer ${secretKey}`, "content-type": "application/json" },
        },
        (response) => {
          let body = "";
          response.on("data", (chunk: Buffer) => {
            body += chunk.toString();
          });
          response.on("end", () => resolve({ status: response.statusCode ?? 0, body }));
        },
      );
      sent.on("error", reject);
      sent.end(JSON.stringify({ name: "through", type: "secret" }));
    });

  it("keeps every worker up through a PostgreSQL outage, answering 503 database_unavailable, and serves after", async () => {
    const before = workerPids();
    expect(before).toHaveLength(2);
    const outages = outagesLogged();
    expect((await createKey()).status).toBe(201);
    const logFrom = server.stdout().length;
    proxy.set("cut");

    // Both workers' background tasks meet the outage too (the dispatcher runs every second).
    await until(
      "both workers' webhook dispatchers to fail",
      () =>
        new Set(
          server
            .stdout()
            .slice(logFrom)
            .match(/"worker":\d+(?=.*webhook delivery failing)/g),
        ).size === 2,
      15_000,
    );
    const refused = await Promise.all(Array.from({ length: 6 }, () => createKey()));
    for (const answer of refused) {
      expect(answer.status).toBe(503);
      expect(JSON.parse(answer.body).error).toBe("database_unavailable");
    }

    proxy.set("pass");
    // Two connections at once go to both workers: each has found PostgreSQL again.
    await until(
      "both workers to create keys again",
      async () => (await Promise.all([createKey(), createKey()])).every((answer) => answer.status === 201),
      10_000,
    );
    expect(workerPids()).toEqual(before);
    expect(outagesLogged()).toBe(outages);
  }, 60_000);

  it("drains on SIGTERM: a request in flight is answered from the open database, then every process exits", async () => {
    const body = "{}";
    const held = hold(
      server.consumerUrl,
      "POST /api/v1/auth/guest HTTP/1.1\r\nHost: fanfare\r\nContent-Type: application/json\r\n" +
        `X-Publishable-Key: ${publishableKey}\r\nContent-Length: ${body.length}\r\nExpect: 100-continue\r\n\r\n`,
    );
    // The worker has read the request's headers: it is in flight.
    await until("100 Continue", () => held.received().startsWith("HTTP/1.1 100 Continue"));
    const logFrom = server.stdout().length;
    const workers = workerPids();
    expect(workers).toHaveLength(2);
    server.child.kill("SIGTERM");
    await until("both workers to begin shutting down", () => {
      return server.stdout().slice(logFrom).split('"shutting down: finishing in-flight requests').length - 1 === 2;
    });
    held.socket.write(body);
    await until("the request to be answered", () => held.received().includes("\r\n\r\n{"));
    const [interim, final] = held.received().split("\r\n\r\n");
    expect(interim).toBe("HTTP/1.1 100 Continue");
    expect(final?.split("\r\n")[0]).toBe("HTTP/1.1 200 OK");
    // Kept alive before the shutdown, closed after its answer: nothing holds the drain.
    await until("the connection to close", () => held.closedAt !== undefined, HUNG_MS);
    expect(await server.exited).toBe(0);
    const alive = (pid: number) => {
      try {
        return process.kill(pid, 0);
      } catch {
        return false;
      }
    };
    expect(workers.filter(alive)).toEqual([]);
  }, 60_000);
});
