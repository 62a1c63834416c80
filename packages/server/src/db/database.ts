import { mkdirSync } from "node:fs";
import { join } from "node:path";
import SqliteDatabase from "better-sqlite3";
import { Kysely, PostgresDialect, SqliteDialect, sql } from "kysely";
import pg from "pg";
import { LruCache } from "../lib/lru.js";
import type { Database } from "./schema.js";

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
   * Marks a hot query's SQL to be kept prepared by the database: PostgreSQL then parses and
   * plans it once per connection instead of on every call (SQLite keeps every statement).
   */
  keepPrepared(sql: string): void;
  close(): Promise<void>;
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

/**
 * The database is out of reach or saturated (no pooled connection within the wait, connection
 * refused or reset): the request did not happen and may be retried, so it is a 503, not a 500.
 */
const UNAVAILABLE_MESSAGES = new Set([
  "timeout exceeded when trying to connect",
  "Query read timeout",
  "Connection terminated unexpectedly",
  "Connection terminated",
]);
// Network failures, and PostgreSQL's shutdown, crash, cannot-connect-now and connection-failure codes.
const UNAVAILABLE_CODES = new Set([
  "ECONNREFUSED",
  "ECONNRESET",
  "EPIPE",
  "ETIMEDOUT",
  "EHOSTUNREACH",
  "ENOTFOUND",
  "57P01",
  "57P02",
  "57P03",
  "08000",
  "08001",
  "08003",
  "08006",
]);

/** A write refused because a primary key or unique index already holds the value. */
export function isUniqueViolation(err: unknown): boolean {
  const code = (err as { code?: unknown } | null)?.code;
  return code === "23505" || code === "SQLITE_CONSTRAINT_PRIMARYKEY" || code === "SQLITE_CONSTRAINT_UNIQUE";
}

export function isDatabaseUnavailable(err: unknown): boolean {
  if (!(err instanceof Error)) return false;
  const code = (err as { code?: unknown }).code;
  return UNAVAILABLE_MESSAGES.has(err.message) || (typeof code === "string" && UNAVAILABLE_CODES.has(code));
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
  const statementNames = new Map<string, string>();
  pool.on("connect", (client) => {
    client.on("error", () => {});
    useNamedStatements(client, statementNames);
  });
  const kysely = new Kysely<Database>({ dialect: new PostgresDialect({ pool }) });
  return handle(kysely, "postgres", redactUrl(url), (text) => {
    if (!statementNames.has(text)) statementNames.set(text, `fanfare_${statementNames.size + 1}`);
  });
}

/**
 * Kysely sends every query as unnamed, so PostgreSQL plans it each time; for the status poll's
 * recursive CTE planning took ten times longer than running it. A query whose text was marked
 * with `keepPrepared` goes out as a named statement: prepared once per connection.
 */
function useNamedStatements(client: pg.PoolClient, names: ReadonlyMap<string, string>): void {
  const query = client.query.bind(client) as (...args: unknown[]) => unknown;
  client.query = ((text: unknown, ...rest: unknown[]) => {
    const name = typeof text === "string" ? names.get(text) : undefined;
    return name ? query({ name, text, values: rest[0] }) : query(text, ...rest);
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
  const kysely = new Kysely<Database>({ dialect: new SqliteDialect({ database: withStatementCache(database) }) });
  return handle(kysely, "sqlite", file, () => {});
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

function handle(
  kysely: Kysely<Database>,
  dialect: DialectName,
  location: string,
  keepPrepared: (sql: string) => void,
): Db {
  return {
    kysely,
    dialect,
    location,
    keepPrepared,
    async ping() {
      try {
        await sql`select 1`.execute(kysely);
        return true;
      } catch {
        return false;
      }
    },
    close: () => kysely.destroy(),
  };
}

export function openDatabase(options: DatabaseOptions): Db {
  return options.databaseUrl ? openPostgres(options.databaseUrl, options) : openSqlite(options.dataDir);
}
