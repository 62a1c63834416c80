import type { TestProject } from "vitest/node";
import { POSTGRES_URL, REDIS_URL, reachable } from "./services.js";

declare module "vitest" {
  export interface ProvidedContext {
    postgres: boolean;
    redis: boolean;
  }
}

/**
 * Decides once whether the PostgreSQL and Redis suites run. With CI=true they are mandatory:
 * an unreachable service fails the run instead of silently skipping.
 */
export default async function setup(project: TestProject): Promise<void> {
  const ci = process.env.CI === "true";
  const services = [
    { name: "postgres" as const, label: "PostgreSQL", url: POSTGRES_URL, port: 5432 },
    { name: "redis" as const, label: "Redis", url: REDIS_URL, port: 6379 },
  ];
  for (const service of services) {
    const up = await reachable(service.url, service.port);
    if (!up && ci) {
      throw new Error(`${service.label} is required when CI=true but is not reachable at ${service.url}`);
    }
    if (!up) {
      process.stdout.write(
        `\n[fanfare tests] ${service.label} is not reachable at ${service.url}: its suites are skipped ` +
          "(run ../shared/services.sh to start it; CI=true makes them mandatory).\n",
      );
    }
    project.provide(service.name, up);
  }
}
