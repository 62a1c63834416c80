import { pino } from "pino";
import { loadConfig } from "../../config.js";
import { createDeps, type Deps, prepareDatabase } from "../../deps.js";

/**
 * Deps for one-shot commands: logs go to stderr so stdout stays machine-readable (`--json`),
 * and the schema is brought up to date first.
 */
export async function withDeps<T>(work: (deps: Deps) => Promise<T>): Promise<T> {
  const deps = createDeps(loadConfig(), { logStream: pino.destination(2) });
  try {
    await prepareDatabase(deps);
    return await work(deps);
  } finally {
    await deps.close();
  }
}

export function parseLimit(value: string): number {
  if (!/^\d+$/.test(value) || Number(value) < 1)
    throw new Error(`--limit must be a positive whole number (got "${value}")`);
  return Number(value);
}
