import { randomBytes } from "node:crypto";
import type { Plan } from "../../db/schema.js";
import type { Deps } from "../../deps.js";
import { errors } from "../../http/errors.js";
import { isoAt, isoNow } from "../../lib/clock.js";
import { newId } from "../../lib/ids.js";
import { isValidOriginRule } from "../../lib/origin.js";
import { seal } from "../../lib/sealed-box.js";
import { randomBase62 } from "../../lib/secrets.js";
import type { TenantScope } from "../../lib/tenant.js";
import { applyChange, organizationWide } from "../audit/apply-change.js";
import { type Actor, CLI_ACTOR } from "../audit/service.js";
import { mintKey } from "../keys/service.js";
import {
  findOrganization,
  insertOrganization,
  type Organization,
  slugExists,
  updateOrganization,
  updatePlan,
} from "./store.js";

export const PLANS: readonly Plan[] = ["free", "basic", "pro", "enterprise"];
export const DEFAULT_ACCESS_TOKEN_TTL_SECONDS = 3600;
export const DEFAULT_REFRESH_TOKEN_TTL_SECONDS = 30 * 24 * 3600;
const RESERVED_SLUGS = new Set([
  "admin",
  "api",
  "app",
  "auth",
  "dashboard",
  "settings",
  "account",
  "fanfare",
  "waitify",
  "support",
  "www",
  "mail",
  "ftp",
  "cdn",
]);

export interface CreateOrganizationInput {
  name: string;
  plan?: Plan;
  /** Required for, and only allowed with, the enterprise plan. */
  rateLimitPerMinute?: number | null;
}

/** The four keys every organization starts with; shown to the creator once. */
export interface BootstrapKeys {
  publishableLive: string;
  secretLive: string;
  publishableTest: string;
  secretTest: string;
}

function checkPlan(plan: Plan, limit: number | null | undefined): number | null {
  if (!PLANS.includes(plan)) {
    throw errors.validation(`Unknown plan "${plan}"`, [
      { path: "plan", message: `must be one of: ${PLANS.join(", ")}` },
    ]);
  }
  if (plan === "enterprise") {
    if (limit === undefined || limit === null || !Number.isInteger(limit) || limit < 1) {
      throw errors.validation("The enterprise plan needs a custom rate limit", [
        { path: "rateLimitPerMinute", message: "must be a positive whole number of requests per minute" },
      ]);
    }
    return limit;
  }
  if (limit !== undefined && limit !== null) {
    throw errors.validation("Only the enterprise plan takes a custom rate limit", [
      { path: "rateLimitPerMinute", message: "is only allowed with the enterprise plan" },
    ]);
  }
  return null;
}

function slugify(name: string): string {
  return name
    .toLowerCase()
    .normalize("NFKD")
    .replace(/[^a-z0-9]+/g, "-")
    .replace(/^-+|-+$/g, "")
    .slice(0, 40)
    .replace(/-+$/g, "");
}

async function uniqueSlug(deps: Deps, name: string): Promise<string> {
  const base = slugify(name);
  if (base.length >= 3 && !RESERVED_SLUGS.has(base) && !(await slugExists(deps.db, base))) return base;
  for (;;) {
    const candidate = `${base || "org"}-${randomBase62(6).toLowerCase()}`;
    if (!(await slugExists(deps.db, candidate))) return candidate;
  }
}

/** Creates an organization and its four starting keys in one transaction. */
export async function createOrganization(
  deps: Deps,
  input: CreateOrganizationInput,
): Promise<{ organization: Organization; keys: BootstrapKeys }> {
  const name = input.name.trim();
  if (name.length < 1 || name.length > 100) {
    throw errors.validation("Invalid organization name", [{ path: "name", message: "must be 1 to 100 characters" }]);
  }
  const plan = input.plan ?? "free";
  const rateLimitPerMinute = checkPlan(plan, input.rateLimitPerMinute);
  const now = isoNow(deps.clock);
  const organization: Organization = {
    id: newId("organization", deps.clock.now()),
    name,
    slug: await uniqueSlug(deps, name),
    plan,
    rateLimitPerMinute,
    accessTokenTtlSeconds: DEFAULT_ACCESS_TOKEN_TTL_SECONDS,
    refreshTokenTtlSeconds: DEFAULT_REFRESH_TOKEN_TTL_SECONDS,
    allowedOrigins: [],
    testAllowedOrigins: null,
    smsAllowedCountries: ["US"],
    otpWebhookUrl: null,
    otpWebhookSecretSealed: null,
    createdAt: now,
    updatedAt: now,
  };
  const keys = await deps.db.kysely.transaction().execute(async (trx) => {
    await insertOrganization(trx, organization);
    const live = { organizationId: organization.id, mode: "live" as const };
    const test = { organizationId: organization.id, mode: "test" as const };
    return {
      publishableLive: (await mintKey(deps, trx, live, { kind: "publishable", name: "Default publishable key" })).key,
      secretLive: (await mintKey(deps, trx, live, { kind: "secret", name: "Default secret key" })).key,
      publishableTest: (await mintKey(deps, trx, test, { kind: "publishable", name: "Default publishable key" })).key,
      secretTest: (await mintKey(deps, trx, test, { kind: "secret", name: "Default secret key" })).key,
    };
  });
  return { organization, keys };
}

export async function setPlan(
  deps: Deps,
  idOrSlug: string,
  plan: Plan,
  rateLimitPerMinute?: number | null,
): Promise<Organization> {
  const limit = checkPlan(plan, rateLimitPerMinute);
  const organization = await findOrganization(deps.db, idOrSlug);
  if (!organization) throw errors.resourceNotFound(`Organization ${idOrSlug}`);
  const updated = { ...organization, plan, rateLimitPerMinute: limit, updatedAt: isoNow(deps.clock) };
  const context = organizationWide({ organizationId: organization.id, mode: "live" }, CLI_ACTOR);
  return applyChange(deps, context, async (trx, audit) => {
    await updatePlan(trx, organization.id, plan, limit, updated.updatedAt);
    await audit({
      action: "organization.plan_changed",
      targetType: "organization",
      targetId: organization.id,
      before: { plan: organization.plan, rateLimitPerMinute: organization.rateLimitPerMinute },
      after: { plan, rateLimitPerMinute: limit },
    });
    // Running servers apply the new limit at once (and within a minute on SQLite, where the CLI cannot reach them).
    return { result: updated, invalidate: [{ type: "organization", organizationId: organization.id }] };
  });
}

export interface OrganizationChanges {
  name?: string | undefined;
  allowedOrigins?: string[] | undefined;
  /** null: back to test mode's default. */
  testAllowedOrigins?: string[] | null | undefined;
  accessTokenTtlSeconds?: number | undefined;
  refreshTokenTtlSeconds?: number | undefined;
  smsAllowedCountries?: string[] | undefined;
  /** The organization's own code-delivery webhook; null removes it. */
  otpWebhookUrl?: string | null | undefined;
}

/** What the audit log and the API may show of an organization: never a secret, even sealed. */
export function publicSettings(organization: Organization): Omit<Organization, "otpWebhookSecretSealed"> {
  const { otpWebhookSecretSealed: _sealed, ...visible } = organization;
  return visible;
}

async function checkWebhookUrl(deps: Deps, url: string): Promise<void> {
  const production = deps.config.production;
  let parsed: URL | undefined;
  try {
    parsed = new URL(url);
  } catch {
    parsed = undefined;
  }
  const allowed = production ? ["https:"] : ["https:", "http:"];
  if (!parsed || !allowed.includes(parsed.protocol)) {
    const message = production ? "must be an https URL" : "must be an http(s) URL";
    throw errors.validation(`Invalid request: body.otpWebhookUrl ${message}.`, [
      { path: "body.otpWebhookUrl", message },
    ]);
  }
  const problem = await deps.outbound.policy.problemWith(parsed);
  if (problem) {
    throw errors.validation(`Invalid request: body.otpWebhookUrl ${problem}.`, [
      { path: "body.otpWebhookUrl", message: problem },
    ]);
  }
}

function checkOriginRules(field: "allowedOrigins" | "testAllowedOrigins", rules: string[] | null | undefined): void {
  rules?.forEach((origin, index) => {
    if (!isValidOriginRule(origin)) {
      const path = `body.${field}.${index}`;
      const message =
        "must be an origin (https://shop.example.com), a host, or a wildcard (*.example.com, http://localhost:*)";
      throw errors.validation(`Invalid request: ${path} ${message}.`, [{ path, message }]);
    }
  });
}

/**
 * Changes settings with an audit row in live mode, then drops the cached copy in every process.
 * Both modes read them, so a test key may not change them.
 */
export async function updateOrganizationSettings(
  deps: Deps,
  tenant: TenantScope,
  actor: Actor,
  changes: OrganizationChanges,
): Promise<{ organization: Organization; otpWebhookSecret?: string }> {
  const context = organizationWide(tenant, actor);
  const current = await findOrganization(deps.db, tenant.organizationId);
  if (!current) throw errors.resourceNotFound("Organization");
  checkOriginRules("allowedOrigins", changes.allowedOrigins);
  checkOriginRules("testAllowedOrigins", changes.testAllowedOrigins);
  if (changes.otpWebhookUrl) await checkWebhookUrl(deps, changes.otpWebhookUrl);
  const now = deps.clock.now();
  const defined = Object.fromEntries(Object.entries(changes).filter(([, value]) => value !== undefined));
  const updated: Organization = {
    ...current,
    ...defined,
    name: (changes.name ?? current.name).trim(),
    updatedAt: isoAt(now),
  };
  // A new endpoint gets a new signing secret, shown once; removing the endpoint drops it.
  let otpWebhookSecret: string | undefined;
  if (changes.otpWebhookUrl === null) updated.otpWebhookSecretSealed = null;
  if (changes.otpWebhookUrl && changes.otpWebhookUrl !== current.otpWebhookUrl) {
    otpWebhookSecret = `whsec_${randomBytes(32).toString("base64url")}`;
    updated.otpWebhookSecretSealed = seal(deps.secrets["webhook-secret-encryption"], otpWebhookSecret);
  }
  await applyChange(deps, context, async (trx, audit) => {
    await updateOrganization(trx, current.id, updated);
    await audit({
      action: "organization.updated",
      targetType: "organization",
      targetId: current.id,
      before: publicSettings(current),
      after: publicSettings(updated),
    });
    return { result: undefined, invalidate: [{ type: "organization", organizationId: current.id }] };
  });
  return { organization: updated, ...(otpWebhookSecret ? { otpWebhookSecret } : {}) };
}
