/** Scopes a secret key can hold; `write:x` implies `read:x` and `admin` implies every scope. */
export const SECRET_SCOPES = [
  "read:experiences",
  "write:experiences",
  "read:consumers",
  "write:consumers",
  "read:analytics",
  "admin",
] as const;
export type SecretScope = (typeof SECRET_SCOPES)[number];

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
