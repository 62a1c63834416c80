import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Writable } from "node:stream";
import type { FastifyInstance } from "fastify";
import pg from "pg";
import { inject } from "vitest";
import { buildAdminApp, buildConsumerApp } from "../src/app.js";
import { type Config, loadConfig } from "../src/config.js";
import type { DialectName } from "../src/db/database.js";
import { createDeps, type Deps, prepareDatabase } from "../src/deps.js";
import { randomBase62 } from "../src/lib/secrets.js";
import { createOrganization } from "../src/modules/orgs/service.js";
import { ManualClock } from "./clock.js";
import { POSTGRES_URL } from "./services.js";

export const TEST_SECRET = "test-secret-that-is-at-least-thirty-two-bytes-long";

/** SQLite always; PostgreSQL when reachable (mandatory under CI=true, see global-setup.ts). */
export function dialects(): DialectName[] {
  return inject("postgres") ? ["sqlite", "postgres"] : ["sqlite"];
}

export interface TestDatabase {
  /** Environment for `loadConfig` (and for child processes) that points at this database. */
  env: Record<string, string>;
  drop(): Promise<void>;
}

/** An empty database of its own: a temporary SQLite directory, or a fresh PostgreSQL schema. */
export async function createTestDatabase(dialect: DialectName): Promise<TestDatabase> {
  const dataDir = mkdtempSync(join(tmpdir(), "fanfare-test-"));
  const base = { FANFARE_DATA_DIR: dataDir, FANFARE_SECRET: TEST_SECRET, FANFARE_LOG_LEVEL: "info" };
  const removeDir = () => rmSync(dataDir, { recursive: true, force: true });
  if (dialect === "sqlite") return { env: base, drop: async () => removeDir() };

  const schema = `t_${randomBase62(12).toLowerCase()}`;
  const admin = new pg.Client({ connectionString: POSTGRES_URL });
  await admin.connect();
  await admin.query(`create schema ${schema}`);
  await admin.end();
  const url = new URL(POSTGRES_URL);
  url.searchParams.set("options", `-c search_path=${schema}`);
  return {
    env: { ...base, FANFARE_DATABASE_URL: url.toString() },
    async drop() {
      const client = new pg.Client({ connectionString: POSTGRES_URL });
      await client.connect();
      await client.query(`drop schema if exists ${schema} cascade`);
      await client.end();
      removeDir();
    },
  };
}

/** Every log line the server wrote, parsed; tests assert on them (and on what must be absent). */
export class LogCapture extends Writable {
  readonly lines: string[] = [];

  override _write(chunk: Buffer, _encoding: string, done: () => void): void {
    this.lines.push(...chunk.toString("utf8").split("\n").filter(Boolean));
    done();
  }

  get text(): string {
    return this.lines.join("\n");
  }

  entries(): Record<string, unknown>[] {
    return this.lines.map((line) => JSON.parse(line) as Record<string, unknown>);
  }
}

export interface TestServer {
  deps: Deps;
  config: Config;
  clock: ManualClock;
  logs: LogCapture;
  consumer: FastifyInstance;
  admin: FastifyInstance;
  close(): Promise<void>;
}

/** Both apps on a fresh, migrated database, built by the real factories (not listening). */
export async function createTestServer(dialect: DialectName, env: Record<string, string> = {}): Promise<TestServer> {
  const database = await createTestDatabase(dialect);
  // Tests flush buffered usage themselves (deps.usage.flush()), never racing a timer.
  const config = loadConfig({ ...database.env, FANFARE_USAGE_FLUSH_MS: "60000", ...env });
  const clock = new ManualClock();
  const logs = new LogCapture();
  const deps = createDeps(config, { clock, logStream: logs });
  await prepareDatabase(deps);
  const consumer = await buildConsumerApp(deps);
  const admin = await buildAdminApp(deps);
  return {
    deps,
    config,
    clock,
    logs,
    consumer,
    admin,
    async close() {
      await Promise.all([consumer.close(), admin.close()]);
      await deps.close();
      await database.drop();
    },
  };
}

/** One organization per test, with its four keys. */
export function createTestOrganization(server: TestServer, name = "Test Org") {
  return createOrganization(server.deps, { name, plan: "pro" });
}

/** An experience "Drop" with one open queue "Main", made through the admin API; the queue's id. */
export async function createTestQueue(server: TestServer, secretKey: string): Promise<string> {
  const post = (url: string, name: string) =>
    server.admin.inject({
      method: "POST",
      url,
      headers: { authorization: `Bearer ${secretKey}` },
      payload: { name },
    });
  const experience = (await post("/api/v1/experiences", "Drop")).json<{ id: string }>();
  return (await post(`/api/v1/experiences/${experience.id}/queues`, "Main")).json<{ id: string }>().id;
}
