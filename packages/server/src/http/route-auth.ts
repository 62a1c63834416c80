import type { SecretScope } from "@fanfare/contract";

/**
 * What a route accepts, declared in its `config.auth`. Every `/api/v1` route must declare one
 * (checked when the app is built), so a route cannot ship unauthenticated by omission.
 */
export type RouteAuth =
  | { kind: "none" }
  /** A secret key holding `scope`. */
  | { kind: "secret"; scope: SecretScope }
  /** A publishable key (browsers), or a secret key for server-side calls. */
  | { kind: "publishable" }
  /**
   * A consumer's access token (`Authorization: Bearer <jwt>`). A publishable key may accompany
   * it and must then belong to the token's organization and mode.
   */
  | { kind: "consumer" }
  /** A dashboard member's session cookie (admin API only). */
  | { kind: "member" };
