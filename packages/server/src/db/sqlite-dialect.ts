import {
  type CompiledQuery,
  type DatabaseConnection,
  type Driver,
  SqliteDialect,
  type SqliteDialectConfig,
  SqliteDriver,
} from "kysely";

export interface SqliteFailureHooks {
  /** Whether the connection has a transaction open. */
  inTransaction(): boolean;
  /** Told of every statement that fails (COMMIT included), whoever ran it. */
  failed(err: unknown): void;
}

/**
 * Kysely's SQLite dialect, made to keep a failing disk's error in sight. On SQLITE_FULL or an I/O
 * error SQLite may roll the transaction back by itself; Kysely's ROLLBACK then threw "cannot
 * rollback - no transaction is active" in place of the real error, and the error handler and the
 * log saw only that. Every failed statement is also shown to `failed`, so storage faults are
 * noticed in one place rather than in every store.
 */
export class ObservedSqliteDialect extends SqliteDialect {
  constructor(
    private readonly config: SqliteDialectConfig,
    private readonly hooks: SqliteFailureHooks,
  ) {
    super(config);
  }

  override createDriver(): Driver {
    return new ObservedSqliteDriver(this.config, this.hooks);
  }
}

class ObservedSqliteDriver extends SqliteDriver {
  private observed: DatabaseConnection | undefined;

  constructor(
    config: SqliteDialectConfig,
    private readonly hooks: SqliteFailureHooks,
  ) {
    super(config);
  }

  override async acquireConnection(): Promise<DatabaseConnection> {
    const connection = await super.acquireConnection();
    this.observed ??= observedConnection(connection, this.hooks);
    return this.observed;
  }

  override async rollbackTransaction(connection: DatabaseConnection): Promise<void> {
    if (this.hooks.inTransaction()) await super.rollbackTransaction(connection);
  }
}

function observedConnection(connection: DatabaseConnection, hooks: SqliteFailureHooks): DatabaseConnection {
  return {
    executeQuery<R>(query: CompiledQuery) {
      // better-sqlite3 is synchronous: a failed statement throws here, before any promise exists,
      // so watching costs nothing per query.
      try {
        return connection.executeQuery<R>(query);
      } catch (err) {
        hooks.failed(err);
        throw err;
      }
    },
    streamQuery: (query, chunkSize) => connection.streamQuery(query, chunkSize),
  };
}
