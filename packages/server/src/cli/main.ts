import { Command, CommanderError } from "commander";
import { ConfigError } from "../config.js";
import { AppError } from "../http/errors.js";
import { registerInit } from "./commands/init.js";
import { registerMigrate } from "./commands/migrate.js";
import { registerOrgs } from "./commands/orgs.js";
import { registerServe } from "./commands/serve.js";
import { registerSigningKeys } from "./commands/signing-keys.js";

export function buildProgram(): Command {
  const program = new Command("fanfare")
    .description("Fanfare: API keys and consumer authentication for commerce drops")
    .showHelpAfterError()
    .exitOverride();
  registerServe(program);
  registerMigrate(program);
  registerInit(program);
  registerOrgs(program);
  registerSigningKeys(program);
  return program;
}

/** Entry point of the `fanfare` binary: known failures print one clear line, never a stack. */
export async function runCli(argv: string[]): Promise<void> {
  try {
    await buildProgram().parseAsync(argv);
  } catch (err) {
    if (err instanceof CommanderError) {
      process.exitCode = err.exitCode;
      return;
    }
    if (err instanceof ConfigError) {
      process.stderr.write(`fanfare: ${err.message}\n`);
    } else if (err instanceof AppError) {
      const details = Array.isArray(err.body.issues)
        ? (err.body.issues as { path: string; message: string }[]).map((i) => ` (${i.path} ${i.message})`).join("")
        : "";
      process.stderr.write(`fanfare: ${err.message}${details}\n`);
    } else {
      process.stderr.write(`fanfare: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
    }
    process.exitCode = 1;
  }
}
