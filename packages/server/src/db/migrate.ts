import { Migrator, sql } from "kysely";
import type { Db } from "./database.js";
import { migrations } from "./migrations/index.js";

export interface MigrationOutcome {
  applied: string[];
}

/** Brings the schema to the latest migration; safe to run at every start and concurrently. */
export async function migrateToLatest(db: Db): Promise<MigrationOutcome> {
  const migrator = new Migrator({
    db: db.kysely,
    provider: { getMigrations: async () => migrations },
    // Kysely looks for its own tables by name across all PostgreSQL schemas unless told which
    // one: with several Fanfare schemas in one database it would find another's and skip its own.
    ...(db.dialect === "postgres" ? { migrationTableSchema: await currentSchema(db) } : {}),
  });
  const { error, results } = await migrator.migrateToLatest();
  if (error) {
    const failed = results?.find((r) => r.status === "Error")?.migrationName ?? "unknown";
    throw new Error(`Migration ${failed} failed: ${error instanceof Error ? error.message : String(error)}`, {
      cause: error,
    });
  }
  return { applied: (results ?? []).filter((r) => r.status === "Success").map((r) => r.migrationName) };
}

async function currentSchema(db: Db): Promise<string> {
  const { rows } = await sql<{ schema: string }>`select current_schema() as schema`.execute(db.kysely);
  const schema = rows[0]?.schema;
  if (!schema) throw new Error("PostgreSQL has no current schema: check the search_path of FANFARE_DATABASE_URL");
  return schema;
}
