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

function openPostgres(url: string, options: DatabaseOptions): Db {
  const pool = new pg.Pool({
    connectionString: url,
    max: options.poolSize ?? 10,
    connectionTimeoutMillis: 5_000,
    types: pgTypes,
  });
  // An idle client losing its connection must not crash the process; the next query reconnects.
  pool.on("error", () => {});
  const kysely = new Kysely<Database>({ dialect: new PostgresDialect({ pool }) });
  return handle(kysely, "postgres", redactUrl(url));
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
  return handle(kysely, "sqlite", file);
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

function handle(kysely: Kysely<Database>, dialect: DialectName, location: string): Db {
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
    close: () => kysely.destroy(),
  };
}

export function openDatabase(options: DatabaseOptions): Db {
  return options.databaseUrl ? openPostgres(options.databaseUrl, options) : openSqlite(options.dataDir);
}
