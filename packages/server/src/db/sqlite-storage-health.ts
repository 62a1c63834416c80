import { statfs } from "node:fs/promises";
import { type Kysely, sql } from "kysely";
import type { Logger } from "pino";
import { OutageLog } from "../lib/outage-log.js";
import type { Database } from "./schema.js";
import { isStorageUnavailable } from "./storage-errors.js";

/** While storage fails it is probed after this, doubling up to the maximum: it heals without traffic. */
const PROBE_AFTER_MS = 500;
export const MAX_PROBE_AFTER_MS = 8000;
/**
 * The room the database must have to grow before it counts as writable again: a disk freed by a
 * few kilobytes would fail again at the next write, and readiness would flap.
 */
export const STORAGE_HEADROOM_BYTES = 1024 * 1024;

interface PageRoom {
  page_count: number;
  max_page_count: number;
  freelist_count: number;
  page_size: number;
}

/**
 * Whether SQLite's storage takes writes. A statement failing with a storage error (a full or
 * failing disk, a read-only file) marks it failing and logs the cause once; from then on a probe
 * (on a timer with backoff, and on every `/readyz`) commits a real write and checks that the
 * database has room to grow, both on its filesystem and under SQLite's own page limit. A
 * successful write from a request proves nothing: SQLite rewrites pages in place and reuses
 * free ones on a full disk too, while the next write that needs a page fails.
 */
export class SqliteStorageHealth {
  private failing = false;
  private running = false;
  private outage: OutageLog | undefined;
  private timer: NodeJS.Timeout | undefined;
  private probing: Promise<boolean> | undefined;
  private probes = 0;

  constructor(
    private readonly kysely: Kysely<Database>,
    private readonly dataDir: string,
    private readonly recovered: () => void,
  ) {}

  /** Logs outages and probes on a timer from now on (a serving process). */
  start(logger: Logger): void {
    this.outage ??= new OutageLog(logger, "SQLite storage");
    this.running = true;
    if (this.failing) this.scheduleProbe();
  }

  async stop(): Promise<void> {
    this.running = false;
    clearTimeout(this.timer);
    await this.probing;
  }

  /** Sees every failed statement; storage errors start an outage. */
  observe(err: unknown): void {
    if (!isStorageUnavailable(err)) return;
    this.outage?.failed(err);
    if (this.failing) return;
    this.failing = true;
    this.probes = 0;
    this.scheduleProbe();
  }

  /** True unless storage failed and no probe has found it writable since (probing now if so). */
  async available(): Promise<boolean> {
    return !this.failing || this.probe();
  }

  private probe(): Promise<boolean> {
    this.probing ??= this.writable()
      .then((writable) => {
        if (writable) this.healed();
        return writable;
      })
      .finally(() => {
        this.probing = undefined;
      });
    return this.probing;
  }

  private async writable(): Promise<boolean> {
    try {
      // Setting user_version to its own value commits a page through the write-ahead log and
      // changes nothing; its failure reaches observe() like any statement's.
      await this.kysely.transaction().execute(async (trx) => {
        const { rows } = await sql<{ user_version: number }>`pragma user_version`.execute(trx);
        await sql.raw(`pragma user_version = ${Number(rows[0]?.user_version ?? 0)}`).execute(trx);
      });
      // A write-ahead log that grew while checkpoints could not run keeps that size on disk (the
      // freed room can be all of it, on a small volume): copied back and truncated, it returns it.
      // If the database file cannot grow yet either, the room below decides.
      await sql`pragma wal_checkpoint(TRUNCATE)`.execute(this.kysely).catch(() => undefined);
      return (await this.room()) >= STORAGE_HEADROOM_BYTES;
    } catch {
      return false;
    }
  }

  /** Bytes the database can still grow by: the smaller of its filesystem's and its page limit's. */
  private async room(): Promise<number> {
    const { rows } = await sql<PageRoom>`
      select * from pragma_page_count(), pragma_max_page_count(), pragma_freelist_count(), pragma_page_size()
    `.execute(this.kysely);
    const pages = rows[0];
    if (!pages) return 0;
    const underPageLimit = (pages.max_page_count - pages.page_count + pages.freelist_count) * pages.page_size;
    const disk = await statfs(this.dataDir);
    return Math.min(underPageLimit, disk.bavail * disk.bsize);
  }

  private healed(): void {
    if (!this.failing) return;
    this.failing = false;
    clearTimeout(this.timer);
    this.timer = undefined;
    this.outage?.succeeded();
    this.recovered();
  }

  private scheduleProbe(): void {
    if (!this.running || this.timer) return;
    const waitMs = Math.min(PROBE_AFTER_MS * 2 ** this.probes, MAX_PROBE_AFTER_MS);
    this.probes++;
    this.timer = setTimeout(() => {
      this.timer = undefined;
      if (!this.failing) return;
      void this.probe().then((writable) => {
        if (!writable) this.scheduleProbe();
      });
    }, waitMs);
    this.timer.unref();
  }
}
