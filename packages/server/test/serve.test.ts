import net from "node:net";
import { afterEach, describe, expect, it } from "vitest";
import { loadConfig } from "../src/config.js";
import { createDeps } from "../src/deps.js";
import { keyDigest } from "../src/modules/keys/format.js";
import { findKeyByDigest } from "../src/modules/keys/store.js";
import { createTestDatabase, dialects, type TestDatabase } from "./harness.js";
import { startServerProcess } from "./process.js";

const KEY = /(pk|sk)_(live|test)_[0-9A-Za-z]{38}/g;

describe.each(dialects())("fanfare serve (%s)", (dialect) => {
  let database: TestDatabase;
  afterEach(() => database.drop());

  it("bootstraps a development organization once, serves both APIs, and exits 0 on SIGTERM", async () => {
    database = await createTestDatabase(dialect);
    const first = await startServerProcess(database.env, ["--dev-bootstrap"]);
    const printed = first.stdout().match(KEY) ?? [];
    expect(printed).toHaveLength(4);
    expect(first.stdout()).toContain("These keys are shown once");

    const [consumerHealth, adminReady] = await Promise.all([
      fetch(`${first.consumerUrl}/healthz`),
      fetch(`${first.adminUrl}/readyz`),
    ]);
    expect(consumerHealth.status).toBe(200);
    expect(await adminReady.json()).toEqual({
      status: "ready",
      checks: {
        database: "ok",
        ...(dialect === "sqlite" ? { storage: "ok" } : {}),
        rateLimiter: "ok",
        codeDelivery: "ok",
      },
    });

    first.child.kill("SIGTERM");
    expect(await first.exited).toBe(0);
    expect(first.stdout()).toContain('"msg":"shutdown complete"');
    // The keys went to the terminal banner, never into a log line.
    const logLines = first
      .stdout()
      .split("\n")
      .filter((line) => line.startsWith("{"));
    for (const key of printed) expect(logLines.join("\n")).not.toContain(key);

    // The printed keys are real: their digests are in the database.
    const deps = createDeps(loadConfig(database.env));
    try {
      for (const key of printed) {
        const record = await findKeyByDigest(deps.db, keyDigest(deps.secrets["api-key-digest"], key));
        expect(record?.status).toBe("active");
      }
    } finally {
      await deps.close();
    }

    // A second start finds the organization and prints no keys.
    const second = await startServerProcess(database.env, ["--dev-bootstrap"]);
    expect(second.stdout().match(KEY)).toBeNull();
    second.child.kill("SIGINT");
    expect(await second.exited).toBe(0);
  });

  it("on SIGTERM finishes a request still in flight, flushes last-used times and usage counters, and exits 0", async () => {
    database = await createTestDatabase(dialect);
    const server = await startServerProcess({ ...database.env, FANFARE_USAGE_FLUSH_MS: "60000" }, ["--dev-bootstrap"]);
    const secretLive = (server.stdout().match(/sk_live_[0-9A-Za-z]{38}/) ?? [])[0] ?? "";
    const used = await fetch(`${server.adminUrl}/api/v1/organization`, {
      headers: { authorization: `Bearer ${secretLive}` },
    });
    expect(used.status).toBe(200);

    // Start a request, send half of its body, then ask the server to stop.
    const { port } = new URL(server.adminUrl);
    const socket = net.connect({ host: "127.0.0.1", port: Number(port) });
    await new Promise((resolve) => socket.once("connect", resolve));
    const body = JSON.stringify({ name: "created during shutdown", type: "secret" });
    let response = "";
    socket.on("data", (chunk) => {
      response += chunk.toString();
    });
    socket.write(
      `POST /api/v1/api-keys HTTP/1.1\r\nHost: localhost\r\nAuthorization: Bearer ${secretLive}\r\n` +
        `Content-Type: application/json\r\nContent-Length: ${Buffer.byteLength(body)}\r\nConnection: close\r\n\r\n` +
        body.slice(0, 10),
    );
    // Give the server ample time to read the headers, even on a loaded machine.
    await new Promise((resolve) => setTimeout(resolve, 1000));
    server.child.kill("SIGTERM");
    await new Promise((resolve) => setTimeout(resolve, 300));
    socket.write(body.slice(10));
    await new Promise((resolve) => socket.once("close", resolve));
    expect(response).toMatch(/^HTTP\/1\.1 201 /);
    expect(await server.exited).toBe(0);

    const deps = createDeps(loadConfig(database.env));
    try {
      const rows = await deps.db.kysely
        .selectFrom("api_keys")
        .select(["name", "kind", "mode", "last_used_at"])
        .execute();
      expect(rows.map((r) => r.name)).toContain("created during shutdown");
      const defaultSecret = rows.find((r) => r.name === "Default secret key" && r.mode === "live");
      expect(defaultSecret?.last_used_at).not.toBeNull();
      // Both requests are in the usage statistics, though the flush interval never came round.
      const usage = await deps.db.kysely
        .selectFrom("api_key_usage")
        .select(["requests", "successes"])
        .where("granularity", "=", "minute")
        .execute();
      const sum = (column: "requests" | "successes") => usage.reduce((total, row) => total + Number(row[column]), 0);
      expect([sum("requests"), sum("successes")]).toEqual([2, 2]);
    } finally {
      await deps.close();
    }
  });
});
