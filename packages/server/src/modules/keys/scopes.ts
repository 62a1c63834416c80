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
