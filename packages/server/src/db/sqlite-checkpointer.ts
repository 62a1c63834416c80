import { createRequire } from "node:module";
import { Worker } from "node:worker_threads";
import type SqliteDatabase from "better-sqlite3";
import type { Logger } from "pino";
import { OutageLog } from "../lib/outage-log.js";

/** SQLite's own default: the writing connection checkpoints once the WAL holds this many pages. */
const SQLITE_AUTOCHECKPOINT_PAGES = 1000;
/** While the checkpointer runs, the writer checkpoints only if it falls this far behind. */
const FALLBACK_AUTOCHECKPOINT_PAGES = 20_000;
const CHECKPOINT_EVERY_MS = 100;
/** After a failure (a full disk, say) the worker is started again after this, doubling up to a minute. */
const RESTART_AFTER_MS = 1000;
const MAX_RESTART_AFTER_MS = 60_000;

// A script, not a module file: the same text runs from the built server and from its sources.
const CHECKPOINT_LOOP = `
const { parentPort, workerData } = require("node:worker_threads");
const Database = require(workerData.driver);
const database = new Database(workerData.file, { fileMustExist: true });
database.pragma("busy_timeout = 1000");
let told = false;
setInterval(() => {
  try {
    database.pragma("wal_checkpoint(PASSIVE)");
  } catch (err) {
    // A SqliteError crosses to the main thread as its code alone: send a plain Error with both.
    throw Object.assign(new Error(err.message), { code: err.code });
  }
  if (!told) parentPort.postMessage("checkpointed");
  told = true;
}, workerData.everyMs);
`;

/**
 * Copies the write-ahead log back into the database file from a worker thread with its own
 * connection. Left to itself, SQLite checkpoints inside whichever commit crosses the threshold:
 * copying the pages and fsyncing both files there blocked the event loop for more than half of
 * the write cost of a surge. A passive checkpoint never blocks the writer; if the worker fails
 * (a full disk), the writer takes checkpoints back and the worker is started again with backoff
 * until it checkpoints once more, or at once when the storage is found writable again.
 */
export class SqliteCheckpointer {
  private worker: Worker | undefined;
  private restart: NodeJS.Timeout | undefined;
  private outage: OutageLog | undefined;
  private stopped = true;

  constructor(
    private readonly database: SqliteDatabase.Database,
    private readonly file: string,
    /** Told why the worker failed (a full disk is the storage's outage too). */
    private readonly failed: (err: unknown) => void = () => {},
  ) {}

  start(logger: Logger): void {
    this.outage ??= new OutageLog(logger, "SQLite checkpointer");
    this.stopped = false;
    this.startWorker();
  }

  private startWorker(): void {
    if (this.worker || this.stopped) return;
    const worker = new Worker(CHECKPOINT_LOOP, {
      eval: true,
      workerData: {
        driver: createRequire(import.meta.url).resolve("better-sqlite3"),
        file: this.file,
        everyMs: CHECKPOINT_EVERY_MS,
      },
    });
    worker.unref();
    worker.on("message", () => this.outage?.succeeded());
    worker.on("error", (err) => {
      this.worker = undefined;
      this.writerCheckpoints(SQLITE_AUTOCHECKPOINT_PAGES);
      this.outage?.failed(err);
      this.failed(err);
      const failures = this.outage?.consecutiveFailures ?? 1;
      const waitMs = Math.min(RESTART_AFTER_MS * 2 ** (failures - 1), MAX_RESTART_AFTER_MS);
      this.restart = setTimeout(() => this.startWorker(), waitMs);
      this.restart.unref();
    });
    this.worker = worker;
    this.writerCheckpoints(FALLBACK_AUTOCHECKPOINT_PAGES);
  }

  /** Starts a failed worker again now rather than at the end of its backoff: the disk has room again. */
  restartNow(): void {
    if (this.stopped || this.worker) return;
    clearTimeout(this.restart);
    this.startWorker();
  }

  async stop(): Promise<void> {
    this.stopped = true;
    clearTimeout(this.restart);
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
