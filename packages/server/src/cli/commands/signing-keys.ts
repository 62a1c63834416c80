import type { Command } from "commander";
import { withDeps } from "./shared.js";

export function registerSigningKeys(program: Command): void {
  const signingKeys = program.command("signing-keys").description("manage the keys that sign consumer access tokens");
  signingKeys
    .command("rotate")
    .description("add a new signing key; the old one stays in the JWKS until its tokens have expired")
    .action(async () => {
      const kid = await withDeps((deps) => deps.signingKeys.rotate());
      process.stdout.write(
        `New signing key ${kid}. Servers sign with it within a minute; the previous key stays published for 25 hours.\n`,
      );
    });
}
