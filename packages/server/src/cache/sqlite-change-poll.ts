import { sql } from "kysely";
import type { Logger } from "pino";
import type { Db } from "../db/database.js";
import { PeriodicTask } from "../lib/periodic-task.js";
import type { TransportListener } from "./transport.js";

/** How often the SQLite bus looks for another process's writes. */
const SQLITE_CHANGE_POLL_MS = 250;

/**
 * SQLite serves from one process (several are refused), whose own changes reach its caches at
 * once. Another process writing the file (the `fanfare` CLI changing a plan or deactivating a
 * key) is seen through `PRAGMA data_version`, which moves only when another connection commits:
 * polled every 250 ms, and a move drops every cache (such writes are rare).
 */
export function sqliteChangePoll(db: Db, listener: TransportListener, logger: Logger): { close(): Promise<void> } {
  let seen: number | undefined;
  const look = new PeriodicTask(
    "checking the database for other processes' changes",
    async () => {
      const { rows } = await sql<{ data_version: number }>`pragma data_version`.execute(db.kysely);
      const version = rows[0]?.data_version;
      if (seen !== undefined && version !== seen) listener.reconnected();
      seen = version;
    },
    { everyMs: SQLITE_CHANGE_POLL_MS, logger },
  );
  void look.runNow();
  look.start();
  return { close: () => look.stop() };
}
