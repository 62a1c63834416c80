import type { Command } from "commander";
import { loadConfig } from "../../config.js";
import { exitOnSignals, reloadTlsOnSighup, startServer } from "../../main.js";
import { formatKeys } from "./init.js";

export function registerServe(program: Command): void {
  program
    .command("serve")
    .description("serve the consumer and admin APIs")
    .option("--dev-bootstrap", "on an empty database (outside production), create a development organization")
    .action(async (options: { devBootstrap?: boolean }) => {
      const config = loadConfig();
      const server = await startServer(config, { devBootstrap: options.devBootstrap ?? false });
      exitOnSignals(server);
      reloadTlsOnSighup(server);
      const { logger } = server.deps;
      if (config.secretSource === "generated-file") {
        logger.warn(`FANFARE_SECRET is not set: using a generated development secret from ${config.dataDir}/secret`);
      }
      const lines = [
        "",
        `Fanfare is running (${server.deps.db.dialect}: ${server.deps.db.location})`,
        `  consumer API  ${server.consumerUrl}/api/v1   docs ${server.consumerUrl}/docs`,
        `  admin API     ${server.adminUrl}/api/v1   docs ${server.adminUrl}/docs`,
        `  dashboard     ${server.adminUrl}/dashboard`,
        "",
      ];
      if (server.bootstrapped) {
        lines.push(
          "Created a development organization.",
          formatKeys(server.bootstrapped.organization, server.bootstrapped.keys),
          `Dashboard: sign in at ${server.adminUrl}/dashboard as ${server.bootstrapped.ownerEmail};`,
          "the sign-in code is printed here.",
          "",
        );
      }
      // Printed to the terminal, not the log: keys must never reach log storage.
      process.stdout.write(`${lines.join("\n")}\n`);
    });
}
