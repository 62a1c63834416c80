import type { Command } from "commander";
import type { Plan } from "../../db/schema.js";
import { setPlan } from "../../modules/orgs/service.js";
import { listOrganizations } from "../../modules/orgs/store.js";
import { parseLimit, withDeps } from "./shared.js";

export function registerOrgs(program: Command): void {
  const orgs = program.command("orgs").description("list organizations and change their plans");

  orgs
    .command("list")
    .description("list every organization")
    .option("--json", "print JSON")
    .action(async (options: { json?: boolean }) => {
      const organizations = await withDeps((deps) => listOrganizations(deps.db));
      if (options.json) {
        process.stdout.write(`${JSON.stringify(organizations)}\n`);
        return;
      }
      if (organizations.length === 0) {
        process.stdout.write("No organizations yet: create one with `fanfare init --name <name>`.\n");
        return;
      }
      for (const org of organizations) {
        const limit = org.rateLimitPerMinute ? ` (${org.rateLimitPerMinute}/min)` : "";
        process.stdout.write(`${org.id}  ${org.slug}  ${org.plan}${limit}  ${org.name}\n`);
      }
    });

  orgs
    .command("set-plan <org> <plan>")
    .description("change an organization's plan (by id or slug); enterprise needs --limit")
    .option("--limit <n>", "requests per minute (enterprise plan only)", parseLimit)
    .action(async (org: string, plan: Plan, options: { limit?: number }) => {
      const updated = await withDeps((deps) => setPlan(deps, org, plan, options.limit ?? null));
      const limit = updated.rateLimitPerMinute ? ` at ${updated.rateLimitPerMinute} requests/minute` : "";
      process.stdout.write(`${updated.id} is now on the ${updated.plan} plan${limit}.\n`);
    });
}
