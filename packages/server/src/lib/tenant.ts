import type { Mode } from "../db/schema.js";

/**
 * The tenant every store call is confined to. Stores take it as their first argument and put
 * both columns in every WHERE, so a cross-organization or cross-mode query cannot be written
 * by forgetting a filter.
 */
export interface TenantScope {
  readonly organizationId: string;
  readonly mode: Mode;
}
