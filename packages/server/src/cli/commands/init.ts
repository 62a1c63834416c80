import type { Command } from "commander";
import type { Plan } from "../../db/schema.js";
import { type BootstrapKeys, createOrganization } from "../../modules/orgs/service.js";
import type { Organization } from "../../modules/orgs/store.js";
import { parseLimit, withDeps } from "./shared.js";

export function formatKeys(organization: Organization, keys: BootstrapKeys): string {
  return [
    `Organization ${organization.name} (${organization.id}, plan ${organization.plan})`,
    "",
    "  Live mode",
    `    publishable  ${keys.publishableLive}`,
    `    secret       ${keys.secretLive}`,
    "  Test mode",
    `    publishable  ${keys.publishableTest}`,
    `    secret       ${keys.secretTest}`,
    "",
    "These keys are shown once and cannot be shown again: store them now.",
    "",
  ].join("\n");
}

export function registerInit(program: Command): void {
  program
    .command("init")
    .description("create an organization and its first four API keys (shown once)")
    .requiredOption("--name <name>", "organization name")
    .option("--plan <plan>", "free | basic | pro | enterprise", "free")
    .option("--limit <n>", "requests per minute (enterprise plan only)", parseLimit)
    .option("--json", "print only JSON: the organization id and the four keys")
    .action(async (options: { name: string; plan: Plan; limit?: number; json?: boolean }) => {
      const { organization, keys } = await withDeps((deps) =>
        createOrganization(deps, { name: options.name, plan: options.plan, rateLimitPerMinute: options.limit ?? null }),
      );
      process.stdout.write(
        options.json
          ? `${JSON.stringify({ organizationId: organization.id, keys })}\n`
          : formatKeys(organization, keys),
      );
    });
}
