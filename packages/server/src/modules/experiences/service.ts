import type { InvalidationEvent } from "../../cache/invalidation.js";
import type { Deps } from "../../deps.js";
import { type AppError, errors } from "../../http/errors.js";
import { isoAt } from "../../lib/clock.js";
import { newId } from "../../lib/ids.js";
import type { TenantScope } from "../../lib/tenant.js";
import { applyChange, inMode } from "../audit/apply-change.js";
import type { Actor } from "../audit/service.js";
import { deleteQueuesOfExperience } from "../queues/service.js";
import { experienceNotFound, requireExperience } from "./lookup.js";
import { type Experience, insertExperience, saveExperience } from "./store.js";

export interface ExperienceInput {
  name?: string | undefined;
  openAt?: string | null | undefined;
  closeAt?: string | null | undefined;
  timeZone?: string | undefined;
}

function invalid(path: string, message: string): AppError {
  return errors.validation(`Invalid request: ${path} ${message}.`, [{ path, message }]);
}

function isTimeZone(zone: string): boolean {
  try {
    new Intl.DateTimeFormat("en-US", { timeZone: zone });
    return true;
  } catch {
    return false;
  }
}

const normalize = (value: string | null | undefined) =>
  value === undefined || value === null ? value : isoAt(Date.parse(value));

/** Applies input over an experience and checks what a schema cannot: the window and the zone. */
function merged(base: Experience, input: ExperienceInput, now: string): Experience {
  const next: Experience = {
    ...base,
    ...(input.name !== undefined ? { name: input.name.trim() } : {}),
    ...(input.openAt !== undefined ? { openAt: normalize(input.openAt) ?? null } : {}),
    ...(input.closeAt !== undefined ? { closeAt: normalize(input.closeAt) ?? null } : {}),
    ...(input.timeZone !== undefined ? { timeZone: input.timeZone } : {}),
    updatedAt: now,
  };
  if (next.name === "") throw invalid("body.name", "must not be blank");
  if (!isTimeZone(next.timeZone)) throw invalid("body.timeZone", "must be an IANA time zone such as Europe/Paris");
  if (next.openAt && next.closeAt && next.closeAt <= next.openAt) throw invalid("body.closeAt", "must be after openAt");
  return next;
}

export async function createExperience(deps: Deps, tenant: TenantScope, actor: Actor, input: ExperienceInput) {
  const nowMs = deps.clock.now();
  const now = isoAt(nowMs);
  const blank: Experience = {
    id: newId("experience", nowMs),
    name: "",
    openAt: null,
    closeAt: null,
    timeZone: "UTC",
    createdAt: now,
    updatedAt: now,
  };
  const experience = merged(blank, input, now);
  return applyChange(deps, inMode(tenant, actor), async (trx, audit) => {
    await insertExperience(trx, tenant, experience);
    await audit({ action: "experience.created", targetType: "experience", targetId: experience.id, after: experience });
    return { result: experience };
  });
}

/** An experience for a read: from the cache that experience changes invalidate. */
export async function readExperience(deps: Deps, tenant: TenantScope, id: string): Promise<Experience> {
  const experience = await deps.experiences.get(tenant, id);
  if (!experience) throw experienceNotFound();
  return experience;
}

const changed = (tenant: TenantScope, experienceId: string): InvalidationEvent => ({
  type: "experience",
  ...tenant,
  experienceId,
});

export async function updateExperience(
  deps: Deps,
  tenant: TenantScope,
  actor: Actor,
  id: string,
  input: ExperienceInput,
): Promise<Experience> {
  const current = await requireExperience(deps, tenant, id);
  const nowMs = deps.clock.now();
  const updated = merged(current, input, isoAt(nowMs));
  return applyChange(deps, inMode(tenant, actor), async (trx, audit) => {
    await saveExperience(trx, tenant, updated);
    await audit({
      action: "experience.updated",
      targetType: "experience",
      targetId: id,
      before: current,
      after: updated,
    });
    return { result: updated, invalidate: [changed(tenant, id)] };
  });
}

/** Soft delete, with its queues: the rows stay for history; the API no longer shows them. */
export async function deleteExperience(deps: Deps, tenant: TenantScope, actor: Actor, id: string): Promise<void> {
  const current = await requireExperience(deps, tenant, id);
  const nowMs = deps.clock.now();
  await applyChange(deps, inMode(tenant, actor), async (trx, audit) => {
    await saveExperience(trx, tenant, { ...current, updatedAt: isoAt(nowMs) }, isoAt(nowMs));
    await deleteQueuesOfExperience(trx, tenant, id, isoAt(nowMs));
    await audit({ action: "experience.deleted", targetType: "experience", targetId: id, before: current });
    return { result: undefined, invalidate: [changed(tenant, id)] };
  });
}
