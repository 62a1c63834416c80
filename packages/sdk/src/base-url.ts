import { FanfareError } from "./errors.js";

/** `process.env` where there is one (Node, Deno, Bun); browsers have none. */
function environmentVariable(name: string): string | undefined {
  const runtime = globalThis as { process?: { env?: Record<string, string | undefined> } };
  return runtime.process?.env?.[name] || undefined;
}

/**
 * Where an API is: the option, else the environment variable, and never a guessed host, so a key
 * is only ever sent to an address the integrator chose.
 */
export function resolveBaseUrl(
  given: string | undefined,
  variable: string,
  where: { client: string; option: string; api: string; example: string },
): string {
  const value = given ?? environmentVariable(variable);
  if (value === undefined) {
    throw new FanfareError(
      0,
      "missing_base_url",
      `${where.client} needs \`${where.option}\`, the address of your Fanfare ${where.api} (e.g. \`${where.option}: "${where.example}"\`), or the ${variable} environment variable.`,
    );
  }
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    throw new FanfareError(0, "invalid_base_url", `${where.client}: \`${where.option}\` is not a URL: "${value}".`);
  }
  if (url.protocol !== "https:" && url.protocol !== "http:") {
    throw new FanfareError(
      0,
      "invalid_base_url",
      `${where.client}: \`${where.option}\` must be an http:// or https:// address, not "${url.protocol}".`,
    );
  }
  return value;
}
