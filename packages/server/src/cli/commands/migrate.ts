import type { Command } from "commander";
import { pino } from "pino";
import { loadConfig } from "../../config.js";
import { createDeps, prepareDatabase } from "../../deps.js";

export function registerMigrate(program: Command): void {
  program
    .command("migrate")
    .description("apply pending database migrations (they also run at every start)")
    .action(async () => {
      const deps = createDeps(loadConfig(), { logStream: pino.destination(2) });
      try {
        const applied = await prepareDatabase(deps);
        const where = `${deps.db.dialect} (${deps.db.location})`;
        process.stdout.write(
          applied.length > 0
            ? `Applied ${applied.length} migration(s) to ${where}:\n${applied.map((m) => `  ${m}\n`).join("")}`
            : `Database ${where} is up to date.\n`,
        );
      } finally {
        await deps.close();
      }
    });
}
