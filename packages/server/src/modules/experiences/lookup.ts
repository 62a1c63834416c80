import type { Deps } from "../../deps.js";
import { AppError } from "../../http/errors.js";
import type { TenantScope } from "../../lib/tenant.js";
import { type Experience, getExperience } from "./store.js";

export const experienceNotFound = () => new AppError("experience_not_found");

/** An experience that must exist, read from the database (for writes and what hangs off them). */
export async function requireExperience(deps: Deps, tenant: TenantScope, id: string): Promise<Experience> {
  const experience = await getExperience(deps.db, tenant, id);
  if (!experience) throw experienceNotFound();
  return experience;
}
