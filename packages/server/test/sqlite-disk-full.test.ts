import { execFileSync } from "node:child_process";
import { closeSync, copyFileSync, mkdirSync, mkdtempSync, openSync, rmSync, writeSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import SqliteDatabase from "better-sqlite3";
import type { LightMyRequestResponse } from "fastify";
import { sql } from "kysely";
import { afterEach, describe, expect, it } from "vitest";
import { MAX_PROBE_AFTER_MS } from "../src/db/sqlite-storage-health.js";
import type { BootstrapKeys } from "../src/modules/orgs/service.js";
import { createTestOrganization, createTestQueue, createTestServer, type TestServer } from "./harness.js";
import { call } from "./http.js";
import { until } from "./until.js";

/** Whether the database file alone, as if its write-ahead log were gone, holds this consumer. */
function inMainFile(dataDir: string, consumerId: string): boolean {
  const copy = mkdtempSync(join(tmpdir(), "fanfare-main-file-"));
  try {
    copyFileSync(join(dataDir, "fanfare.db"), join(copy, "fanfare.db"));
    const database = new SqliteDatabase(join(copy, "fanfare.db"));
    try {
      return database.prepare("select 1 from consumers where id = ?").get(consumerId) !== undefined;
    } catch {
      return false; // the copy caught a checkpoint half way
    } finally {
      database.close();
    }
  } finally {
    rmSync(copy, { recursive: true, force: true });
  }
}

/** Requests of the three kinds that write, each remembering what the server acknowledged. */
class Writes {
  readonly keys: string[] = [];
  readonly consumers: string[] = [];
  readonly entered: string[] = [];
  private readonly waiting: { token: string; consumerId: string }[] = [];
  private addresses = 0;

  constructor(
    private readonly server: TestServer,
    private readonly orgKeys: BootstrapKeys,
    private readonly queueId: string,
  ) {}

  async guest(): Promise<LightMyRequestResponse> {
    this.addresses++;
    const response = await call(this.server.consumer, "POST", "/api/v1/auth/guest", {
      headers: { "x-publishable-key": this.orgKeys.publishableLive },
      remoteAddress: `10.7.${this.addresses >> 8}.${this.addresses & 255}`,
    });
    if (response.statusCode === 200) {
      const { accessToken, session } = response.json();
      this.consumers.push(session.consumerId);
      this.waiting.push({ token: accessToken, consumerId: session.consumerId });
    }
    return response;
  }

  async apiKey(): Promise<LightMyRequestResponse> {
    const response = await call(this.server.admin, "POST", "/api/v1/api-keys", {
      key: this.orgKeys.secretLive,
      body: { name: `k${this.keys.length}`, type: "secret" },
    });
    if (response.statusCode === 201) this.keys.push(response.json().id);
    return response;
  }

  /** One guest not in the queue yet enters it. */
  async arrival(): Promise<LightMyRequestResponse> {
    const guest = this.waiting[0];
    if (!guest) throw new Error("no guest left to enter the queue: create more before the fault");
    const response = await call(this.server.consumer, "POST", `/api/v1/queues/${this.queueId}/enter`, {
      key: guest.token,
      headers: { "x-publishable-key": this.orgKeys.publishableLive },
    });
    if (response.statusCode === 201) {
      this.waiting.shift();
      this.entered.push(guest.consumerId);
    }
    return response;
  }

  kinds(): [string, () => Promise<LightMyRequestResponse>][] {
    return [
      ["guest session", () => this.guest()],
      ["API key creation", () => this.apiKey()],
      ["queue arrival", () => this.arrival()],
    ];
  }
}

function expectStorageUnavailable(what: string, response: LightMyRequestResponse): void {
  expect({ what, status: response.statusCode, body: response.json() }).toEqual({
    what,
    status: 503,
    body: {
      error: "storage_unavailable",
      message: "The server's storage is full or failing: the request did not happen, retry it.",
    },
  });
  expect(Number(response.headers["retry-after"])).toBeGreaterThan(0);
}

const readiness = async (server: TestServer) => {
  const response = await server.admin.inject({ method: "GET", url: "/readyz" });
  return { status: response.statusCode, checks: response.json().checks };
};

const linesOf = (task: string) => (server: TestServer, message: string) =>
  server.logs.entries().filter((entry) => entry.task === task && String(entry.msg).includes(message));
const storageLines = linesOf("SQLite storage");
const checkpointerLines = linesOf("SQLite checkpointer");

interface Fault {
  /**
   * SQLite's page limit refuses every write that needs a page; on a full filesystem a write that
   * fits into the write-ahead log's existing length still succeeds, once a checkpoint let it restart.
   */
  refusesEveryWrite: boolean;
  /**
   * Whether the checkpointer's own connection can meet the fault: it does when a frame it copies
   * extends the database file, which depends on whether the writes that fitted added a page.
   */
  checkpointerMayFail: boolean;
  /** Makes the disk full; writes that need room fail from now on. */
  fill(server: TestServer): Promise<void>;
  /** Gives the room back. */
  free(server: TestServer): Promise<void>;
}

/**
 * One full-disk outage of a serving server, from first refusal to healing: every write that needs
 * room answers 503 `storage_unavailable` (never 500), `/readyz` says so, the cause is logged once,
 * and when room returns everything works again in the same process with nothing lost.
 */
async function outage(server: TestServer, fault: Fault): Promise<void> {
  const { keys } = await createTestOrganization(server);
  const writes = new Writes(server, keys, await createTestQueue(server, keys.secretLive));
  for (let i = 0; i < 150; i++) expect((await writes.guest()).statusCode).toBe(200);
  expect((await writes.apiKey()).statusCode).toBe(201);
  expect((await writes.arrival()).statusCode).toBe(201);

  await fault.fill(server);
  // Writes go on succeeding while they fit into room SQLite's files already have (on a filesystem, a
  // write-ahead log that a checkpoint let restart is rewritten in place); each kind soon needs more.
  for (const [what, attempt] of writes.kinds()) {
    let response = await attempt();
    for (let i = 0; i < 2000 && response.statusCode < 300; i++) response = await attempt();
    expectStorageUnavailable(what, response);
  }
  expect(await readiness(server)).toMatchObject({ status: 503, checks: { database: "ok", storage: "unavailable" } });
  for (let round = 0; round < 5; round++) {
    for (const [what, attempt] of writes.kinds()) {
      const response = await attempt();
      if (fault.refusesEveryWrite || response.statusCode >= 300) expectStorageUnavailable(what, response);
    }
  }
  expect(await readiness(server)).toMatchObject({ status: 503, checks: { storage: "unavailable" } });

  const failing = storageLines(server, "failing");
  expect(failing).toHaveLength(1);
  expect(failing[0]).toMatchObject({ errorCode: "SQLITE_FULL", err: { message: "database or disk is full" } });
  expect(server.logs.text).not.toContain("cannot rollback");
  expect(server.logs.text).not.toContain("request failed");
  expect(server.logs.text).not.toContain("unhandled error");

  await fault.free(server);
  // Nothing asks: the probe finds the room by itself, within two of its backed-off intervals.
  await until(
    "the storage probe to find room",
    () => storageLines(server, "working again").length === 1,
    2 * MAX_PROBE_AFTER_MS + 2000,
  );
  expect(await readiness(server)).toMatchObject({ status: 200, checks: { storage: "ok" } });
  for (const [what, attempt] of writes.kinds()) {
    const status = (await attempt()).statusCode;
    expect({ what, ok: status >= 200 && status < 300 }).toEqual({ what, ok: true });
  }
  // Whether or not the checkpointer failed, checkpoints resume: the writer alone would not copy
  // a handful of pages into the database file.
  const lastGuest = writes.consumers.at(-1) ?? "";
  await until("a checkpoint to copy the last guest into the database file", () =>
    inMainFile(server.config.dataDir, lastGuest),
  );
  const checkpointerFailures = checkpointerLines(server, "failing").length;
  expect(checkpointerFailures).toBeLessThanOrEqual(fault.checkpointerMayFail ? 1 : 0);
  if (checkpointerFailures === 1) {
    await until("the checkpointer to work again", () => checkpointerLines(server, "working again").length === 1);
  }

  const { kysely } = server.deps.db;
  const integrity = await sql<{ integrity_check: string }>`pragma integrity_check`.execute(kysely);
  expect(integrity.rows).toEqual([{ integrity_check: "ok" }]);
  const present = async (table: "api_keys" | "consumers", ids: string[]) =>
    (await kysely.selectFrom(table).select("id").where("id", "in", ids).execute()).length;
  expect(await present("api_keys", writes.keys)).toBe(writes.keys.length);
  expect(await present("consumers", writes.consumers)).toBe(writes.consumers.length);
  const entries = await kysely
    .selectFrom("queue_entries")
    .select("consumer_id")
    .where("consumer_id", "in", writes.entered)
    .execute();
  expect(entries).toHaveLength(writes.entered.length);
}

describe("SQLite with a full disk", () => {
  let server: TestServer | undefined;

  afterEach(async () => {
    await server?.close();
    server = undefined;
  });

  it("under SQLite's page limit (max_page_count): 503 storage_unavailable, logged once, heals by itself", async () => {
    server = await createTestServer("sqlite");
    let limit = 0;
    await outage(server, {
      refusesEveryWrite: true,
      checkpointerMayFail: false,
      async fill({ deps }) {
        const { rows } = await sql<{ max_page_count: number }>`pragma max_page_count`.execute(deps.db.kysely);
        limit = rows[0]?.max_page_count ?? 0;
        // Lowered below the file's size, the limit becomes the size: no page can be added.
        await sql`pragma max_page_count = 1`.execute(deps.db.kysely);
      },
      async free({ deps }) {
        await sql.raw(`pragma max_page_count = ${limit}`).execute(deps.db.kysely);
      },
    });
  }, 60_000);

  const mountable = process.getuid?.() === 0;
  if (!mountable) console.log("[skip] SQLite on a full filesystem: mounting a tmpfs needs root");

  it.runIf(mountable)(
    "on a real filesystem that fills up (a small tmpfs)",
    async () => {
      const mount = mkdtempSync(join(tmpdir(), "fanfare-full-disk-"));
      execFileSync("mount", ["-t", "tmpfs", "-o", "size=32m", "tmpfs", mount]);
      try {
        const dataDir = join(mount, "data");
        mkdirSync(dataDir);
        server = await createTestServer("sqlite", { FANFARE_DATA_DIR: dataDir });
        const ballast = join(mount, "ballast");
        await outage(server, {
          refusesEveryWrite: false,
          checkpointerMayFail: true,
          async fill() {
            const fd = openSync(ballast, "w");
            try {
              for (const size of [65_536, 4096, 512]) {
                const chunk = Buffer.alloc(size, 1);
                try {
                  for (;;) writeSync(fd, chunk);
                } catch (err) {
                  if ((err as NodeJS.ErrnoException).code !== "ENOSPC") throw err;
                }
              }
            } finally {
              closeSync(fd);
            }
          },
          async free() {
            rmSync(ballast);
          },
        });
        await server.close();
        server = undefined;
      } finally {
        execFileSync("umount", ["--lazy", mount]);
        rmSync(mount, { recursive: true, force: true });
      }
    },
    60_000,
  );
});
