import { createRequire } from "node:module";
import { Worker } from "node:worker_threads";
import type SqliteDatabase from "better-sqlite3";

/** SQLite's own default: the writing connection checkpoints once the WAL holds this many pages. */
const SQLITE_AUTOCHECKPOINT_PAGES = 1000;
/** While the checkpointer runs, the writer checkpoints only if it falls this far behind. */
const FALLBACK_AUTOCHECKPOINT_PAGES = 20_000;
const CHECKPOINT_EVERY_MS = 100;

// A script, not a module file: the same text runs from the built server and from its sources.
const CHECKPOINT_LOOP = `
const { workerData } = require("node:worker_threads");
const Database = require(workerData.driver);
const database = new Database(workerData.file, { fileMustExist: true });
database.pragma("busy_timeout = 1000");
setInterval(() => database.pragma("wal_checkpoint(PASSIVE)"), workerData.everyMs);
`;

/**
 * Copies the write-ahead log back into the database file from a worker thread with its own
 * connection. Left to itself, SQLite checkpoints inside whichever commit crosses the threshold:
 * copying the pages and fsyncing both files there blocked the event loop for more than half of
 * the write cost of a surge. A passive checkpoint never blocks the writer; if the worker fails,
 * the writer takes checkpoints back.
 */
export class SqliteCheckpointer {
  private worker: Worker | undefined;

  constructor(
    private readonly database: SqliteDatabase.Database,
    private readonly file: string,
  ) {}

  start(onFailure: (err: unknown) => void): void {
    if (this.worker) return;
    const worker = new Worker(CHECKPOINT_LOOP, {
      eval: true,
      workerData: {
        driver: createRequire(import.meta.url).resolve("better-sqlite3"),
        file: this.file,
        everyMs: CHECKPOINT_EVERY_MS,
      },
    });
    worker.unref();
    worker.on("error", (err) => {
      this.writerCheckpoints(SQLITE_AUTOCHECKPOINT_PAGES);
      onFailure(err);
    });
    this.worker = worker;
    this.writerCheckpoints(FALLBACK_AUTOCHECKPOINT_PAGES);
  }

  async stop(): Promise<void> {
    const worker = this.worker;
    this.worker = undefined;
    if (!worker) return;
    this.writerCheckpoints(SQLITE_AUTOCHECKPOINT_PAGES);
    await worker.terminate();
  }

  private writerCheckpoints(pages: number): void {
    if (this.database.open) this.database.pragma(`wal_autocheckpoint = ${pages}`);
  }
}
