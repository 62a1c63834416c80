import { SECRET_SCOPES } from "@fanfare/contract";

/** The fixed scope of every publishable key: public reads and consumer session creation. */
export const PUBLIC_SCOPE = "public";

/** Everything a set of granted scopes allows, with the implications expanded. */
export function effectiveScopes(granted: readonly string[]): ReadonlySet<string> {
  if (granted.includes("admin")) return new Set(SECRET_SCOPES);
  const scopes = new Set(granted);
  for (const scope of granted) {
    if (scope.startsWith("write:")) scopes.add(`read:${scope.slice("write:".length)}`);
  }
  return scopes;
}
