import type { Command } from "commander";
import type { Plan } from "../../db/schema.js";
import { CLI_ACTOR } from "../../modules/audit/service.js";
import { addOwner, ensureNewMemberEmail } from "../../modules/members/service.js";
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
    .option("--owner-email <email>", "the first dashboard member (Owner); signs in with a code sent to this email")
    .option("--json", "print only JSON: the organization id, the four keys (and the owner's member id)")
    .action(async (options: { name: string; plan: Plan; limit?: number; ownerEmail?: string; json?: boolean }) => {
      const { organization, keys, owner } = await withDeps(async (deps) => {
        // Checked first, so a taken email leaves no organization behind.
        if (options.ownerEmail) await ensureNewMemberEmail(deps, options.ownerEmail);
        const created = await createOrganization(deps, {
          name: options.name,
          plan: options.plan,
          rateLimitPerMinute: options.limit ?? null,
        });
        const owner = options.ownerEmail
          ? await addOwner(deps, created.organization.id, options.ownerEmail, CLI_ACTOR)
          : undefined;
        return { ...created, owner };
      });
      if (options.json) {
        const result = { organizationId: organization.id, keys, ...(owner ? { ownerMemberId: owner.id } : {}) };
        process.stdout.write(`${JSON.stringify(result)}\n`);
        return;
      }
      const ownerLine = owner ? `Dashboard owner: ${owner.email} (signs in at /dashboard with an emailed code)\n` : "";
      process.stdout.write(formatKeys(organization, keys) + ownerLine);
    });
}
