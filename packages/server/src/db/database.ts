import { mkdirSync } from "node:fs";
import { join } from "node:path";
import SqliteDatabase from "better-sqlite3";
import { Kysely, PostgresDialect, sql } from "kysely";
import pg from "pg";
import type { Logger } from "pino";
import { LruCache } from "../lib/lru.js";
import { DEFAULT_TIMINGS, PostgresCircuit } from "./postgres-circuit.js";
import type { Database } from "./schema.js";
import { SqliteCheckpointer } from "./sqlite-checkpointer.js";
import { ObservedSqliteDialect } from "./sqlite-dialect.js";
import { SqliteStorageHealth } from "./sqlite-storage-health.js";
import { isDatabaseUnavailable } from "./unavailable.js";

export type DialectName = "sqlite" | "postgres";

export interface DatabaseOptions {
  /** `postgres://…`; when absent, SQLite at `<dataDir>/fanfare.db`. */
  databaseUrl?: string | undefined;
  dataDir: string;
  poolSize?: number;
}

/** The one handle stores receive: the query builder plus the dialect's capability flags. */
export interface Db {
  readonly kysely: Kysely<Database>;
  readonly dialect: DialectName;
  /** Where the data lives, for messages (never contains a password). */
  readonly location: string;
  /** True when the database answers a trivial query. */
  ping(): Promise<boolean>;
  /**
   * Whether the disk takes writes (SQLite: false from a full or failing disk until a probe finds
   * it writable again); undefined on PostgreSQL, whose storage is its server's.
   */
  storageAvailable(): Promise<boolean | undefined>;
  /** Starts the database's own upkeep, for a serving process (SQLite: checkpoints off the event loop). */
  startUpkeep(logger: Logger): void;
  /** The connection pool as it is now; undefined on SQLite, which has none. */
  poolStats(): PoolStats | undefined;
  close(): Promise<void>;
}

export interface PoolStats {
  /** Connections open, idle or in use. */
  total: number;
  idle: number;
  /** Queries waiting for a connection: all of them are in use and the pool is at its size. */
  waiting: number;
}

// COUNT(*) and BIGINT arrive from pg as strings; every count we keep fits a JS number.
const INT8_OID = 20;
const pgTypes = {
  getTypeParser: ((oid: number, format?: string) =>
    oid === INT8_OID ? (value: string) => Number(value) : pg.types.getTypeParser(oid, format as "text")) as never,
};

function redactUrl(url: string): string {
  const parsed = new URL(url);
  if (parsed.password) parsed.password = "***";
  return parsed.toString();
}

const POOL_WAIT_MS = 15_000;
/** No query waits longer than this for an answer (a hung network would otherwise hold requests). */
const QUERY_TIMEOUT_MS = 30_000;

/** A write refused because a primary key or unique index already holds the value. */
export function isUniqueViolation(err: unknown): boolean {
  const code = (err as { code?: unknown } | null)?.code;
  return code === "23505" || code === "SQLITE_CONSTRAINT_PRIMARYKEY" || code === "SQLITE_CONSTRAINT_UNIQUE";
}

function openPostgres(url: string, options: DatabaseOptions): Db {
  const pool = new pg.Pool({
    connectionString: url,
    max: options.poolSize ?? 10,
    // A surge queues requests for a connection; past this wait they get 503 and retry.
    connectionTimeoutMillis: POOL_WAIT_MS,
    query_timeout: QUERY_TIMEOUT_MS,
    types: pgTypes,
  });
  // A client losing its connection must not crash the process: idle ones report to the pool,
  // and one in use also emits `error` on itself while its query fails (and becomes a 503).
  pool.on("error", () => {});
  const names = new StatementNames();
  pool.on("connect", (client) => {
    client.on("error", () => {});
    useNamedStatements(client, names);
  });
  const circuit = new PostgresCircuit(() => answersAtAll(url, DEFAULT_TIMINGS.probeTimeoutMs));
  const kysely = new Kysely<Database>({ dialect: new PostgresDialect({ pool: circuit.wrap(pool) }) });
  return handle(kysely, "postgres", redactUrl(url), {
    start: (logger) => circuit.report(logger),
    stop: async () => circuit.stop(),
    poolStats: () => ({ total: pool.totalCount, idle: pool.idleCount, waiting: pool.waitingCount }),
  });
}

const SQLSTATE = /^[0-9A-Z]{5}$/;

/** Resolves if PostgreSQL answers `select 1` on a connection of its own within `timeoutMs`. */
async function answersAtAll(url: string, timeoutMs: number): Promise<void> {
  const client = new pg.Client({ connectionString: url, connectionTimeoutMillis: timeoutMs, query_timeout: timeoutMs });
  client.on("error", () => {});
  try {
    await client.connect();
    await client.query("select 1");
  } catch (err) {
    // An error PostgreSQL itself sent (too many connections, say) is an answer: it is alive.
    const code = (err as { code?: unknown }).code;
    if (typeof code !== "string" || !SQLSTATE.test(code) || isDatabaseUnavailable(err)) throw err;
  } finally {
    // Not end(): on a hung server its goodbye would never be read, and the socket would stay.
    client.connection.stream.destroy();
  }
}

/** A query text is prepared from its second use on; at most this many texts are. */
const PREPARE_FROM_USE = 2;
const MAX_PREPARED_TEXTS = 500;
const MAX_COUNTED_TEXTS = 10_000;

/**
 * Names for the query texts that recur. Kysely sends every query unnamed, so PostgreSQL parses
 * and plans it every time (for the status poll's recursive CTE, planning took 0.7 ms against
 * 0.08 ms of execution). Queries are parameterised, so their texts are few; the caps bound what
 * variable-length IN lists could add on the server (prepared statements live per connection).
 */
class StatementNames {
  private readonly names = new Map<string, string>();
  private readonly uses = new Map<string, number>();

  nameFor(text: string): string | undefined {
    const known = this.names.get(text);
    if (known !== undefined || this.names.size >= MAX_PREPARED_TEXTS) return known;
    const uses = (this.uses.get(text) ?? 0) + 1;
    if (uses < PREPARE_FROM_USE) {
      if (this.uses.size >= MAX_COUNTED_TEXTS) this.uses.clear();
      this.uses.set(text, uses);
      return undefined;
    }
    this.uses.delete(text);
    const name = `fanfare_${this.names.size + 1}`;
    this.names.set(text, name);
    return name;
  }
}

/**
 * Sends recurring parameterised queries as named statements, which each connection prepares
 * once. Statements without parameters (BEGIN, COMMIT, DDL, probes) go as they are.
 */
function useNamedStatements(client: pg.PoolClient, names: StatementNames): void {
  const query = client.query.bind(client) as (...args: unknown[]) => unknown;
  client.query = ((text: unknown, values?: unknown, ...rest: unknown[]) => {
    const parameterised = typeof text === "string" && Array.isArray(values) && values.length > 0;
    const name = parameterised ? names.nameFor(text) : undefined;
    return name ? query({ name, text, values }) : query(text, values, ...rest);
  }) as typeof client.query;
}

function openSqlite(dataDir: string): Db {
  mkdirSync(dataDir, { recursive: true });
  const file = join(dataDir, "fanfare.db");
  const database = new SqliteDatabase(file);
  database.pragma("journal_mode = WAL");
  database.pragma("foreign_keys = ON");
  database.pragma("synchronous = NORMAL");
  database.pragma("busy_timeout = 5000");
  const dialect = new ObservedSqliteDialect(
    { database: withStatementCache(database) },
    { inTransaction: () => database.inTransaction, failed: (err) => storage.observe(err) },
  );
  const kysely = new Kysely<Database>({ dialect });
  const checkpointer = new SqliteCheckpointer(database, file, (err) => storage.observe(err));
  const storage = new SqliteStorageHealth(kysely, dataDir, () => checkpointer.restartNow());
  return handle(kysely, "sqlite", file, {
    start: (logger) => {
      storage.start(logger);
      checkpointer.start(logger);
    },
    stop: async () => {
      await storage.stop();
      await checkpointer.stop();
    },
    storageAvailable: () => storage.available(),
  });
}

/**
 * Kysely prepares every query afresh; preparing costs more than running a small query. Queries
 * are parameterised, so their texts are few: keep the prepared statements (better-sqlite3
 * re-prepares one by itself if the schema changes under it).
 */
function withStatementCache(database: SqliteDatabase.Database, capacity = 1000) {
  const statements = new LruCache<string, SqliteDatabase.Statement>(capacity);
  return {
    close: () => database.close(),
    prepare(query: string) {
      let statement = statements.get(query);
      if (!statement) {
        statement = database.prepare(query);
        statements.set(query, statement);
      }
      return statement;
    },
  };
}

/** What one dialect adds to the handle. */
interface DialectExtras {
  start?(logger: Logger): void;
  stop?(): Promise<void>;
  poolStats?(): PoolStats;
  storageAvailable?(): Promise<boolean>;
}

function handle(kysely: Kysely<Database>, dialect: DialectName, location: string, extras: DialectExtras): Db {
  return {
    kysely,
    dialect,
    location,
    async ping() {
      try {
        await sql`select 1`.execute(kysely);
        return true;
      } catch {
        return false;
      }
    },
    storageAvailable: async () => extras.storageAvailable?.(),
    startUpkeep: (logger) => extras.start?.(logger),
    poolStats: () => extras.poolStats?.(),
    async close() {
      await extras.stop?.();
      await kysely.destroy();
    },
  };
}

export function openDatabase(options: DatabaseOptions): Db {
  return options.databaseUrl ? openPostgres(options.databaseUrl, options) : openSqlite(options.dataDir);
}
