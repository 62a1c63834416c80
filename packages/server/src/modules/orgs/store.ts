import type { Selectable, Transaction } from "kysely";
import type { Db } from "../../db/database.js";
import type { Database, OrganizationsTable, Plan } from "../../db/schema.js";

export interface Organization {
  id: string;
  name: string;
  slug: string;
  plan: Plan;
  rateLimitPerMinute: number | null;
  accessTokenTtlSeconds: number;
  refreshTokenTtlSeconds: number;
  /** Live mode's allowed browser origins (empty: any). */
  allowedOrigins: string[];
  /** Test mode's; null: the default, a developer's machine (TEST_MODE_DEFAULT_ORIGINS). */
  testAllowedOrigins: string[] | null;
  smsAllowedCountries: string[];
  otpWebhookUrl: string | null;
  /** Sealed with a key derived from FANFARE_SECRET; never returned by the API. */
  otpWebhookSecretSealed: string | null;
  createdAt: string;
  updatedAt: string;
}

type Executor = Db["kysely"] | Transaction<Database>;

function toOrganization(row: Selectable<OrganizationsTable>): Organization {
  return {
    id: row.id,
    name: row.name,
    slug: row.slug,
    plan: row.plan,
    rateLimitPerMinute: row.rate_limit_per_minute,
    accessTokenTtlSeconds: row.access_token_ttl_seconds,
    refreshTokenTtlSeconds: row.refresh_token_ttl_seconds,
    allowedOrigins: JSON.parse(row.allowed_origins) as string[],
    testAllowedOrigins: row.test_allowed_origins === null ? null : (JSON.parse(row.test_allowed_origins) as string[]),
    smsAllowedCountries: JSON.parse(row.sms_allowed_countries) as string[],
    otpWebhookUrl: row.otp_webhook_url,
    otpWebhookSecretSealed: row.otp_webhook_secret_sealed,
    createdAt: row.created_at,
    updatedAt: row.updated_at,
  };
}

export async function insertOrganization(executor: Executor, org: Organization): Promise<void> {
  await executor
    .insertInto("organizations")
    .values({
      id: org.id,
      name: org.name,
      slug: org.slug,
      plan: org.plan,
      rate_limit_per_minute: org.rateLimitPerMinute,
      access_token_ttl_seconds: org.accessTokenTtlSeconds,
      refresh_token_ttl_seconds: org.refreshTokenTtlSeconds,
      allowed_origins: JSON.stringify(org.allowedOrigins),
      test_allowed_origins: org.testAllowedOrigins === null ? null : JSON.stringify(org.testAllowedOrigins),
      sms_allowed_countries: JSON.stringify(org.smsAllowedCountries),
      otp_webhook_url: org.otpWebhookUrl,
      otp_webhook_secret_sealed: org.otpWebhookSecretSealed,
      created_at: org.createdAt,
      updated_at: org.updatedAt,
    })
    .execute();
}

export async function findOrganization(db: Db, idOrSlug: string): Promise<Organization | undefined> {
  const row = await db.kysely
    .selectFrom("organizations")
    .selectAll()
    .where((eb) => eb.or([eb("id", "=", idOrSlug), eb("slug", "=", idOrSlug)]))
    .executeTakeFirst();
  return row ? toOrganization(row) : undefined;
}

export async function slugExists(db: Db, slug: string): Promise<boolean> {
  const row = await db.kysely.selectFrom("organizations").select("id").where("slug", "=", slug).executeTakeFirst();
  return row !== undefined;
}

export async function listOrganizations(db: Db): Promise<Organization[]> {
  const rows = await db.kysely.selectFrom("organizations").selectAll().orderBy("id").execute();
  return rows.map(toOrganization);
}

export async function countOrganizations(db: Db): Promise<number> {
  const row = await db.kysely
    .selectFrom("organizations")
    .select((eb) => eb.fn.countAll<number>().as("count"))
    .executeTakeFirstOrThrow();
  return Number(row.count);
}

export async function updatePlan(
  executor: Executor,
  organizationId: string,
  plan: Plan,
  rateLimitPerMinute: number | null,
  updatedAt: string,
): Promise<boolean> {
  const result = await executor
    .updateTable("organizations")
    .set({ plan, rate_limit_per_minute: rateLimitPerMinute, updated_at: updatedAt })
    .where("id", "=", organizationId)
    .executeTakeFirst();
  return Number(result.numUpdatedRows) === 1;
}

export async function updateOrganization(
  executor: Executor,
  organizationId: string,
  organization: Organization,
): Promise<void> {
  await executor
    .updateTable("organizations")
    .set({
      name: organization.name,
      allowed_origins: JSON.stringify(organization.allowedOrigins),
      test_allowed_origins:
        organization.testAllowedOrigins === null ? null : JSON.stringify(organization.testAllowedOrigins),
      access_token_ttl_seconds: organization.accessTokenTtlSeconds,
      refresh_token_ttl_seconds: organization.refreshTokenTtlSeconds,
      sms_allowed_countries: JSON.stringify(organization.smsAllowedCountries),
      otp_webhook_url: organization.otpWebhookUrl,
      otp_webhook_secret_sealed: organization.otpWebhookSecretSealed,
      updated_at: organization.updatedAt,
    })
    .where("id", "=", organizationId)
    .execute();
}
