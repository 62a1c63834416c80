import type { FastifyPluginAsyncTypebox } from "@fastify/type-provider-typebox";
import { Type } from "typebox";
import type { Deps } from "../../deps.js";
import { errors } from "../../http/errors.js";
import { actorOf, authOf } from "../access/index.js";
import { publicSettings, updateOrganizationSettings } from "./service.js";
import type { Organization } from "./store.js";

const OrganizationView = Type.Object({
  id: Type.String(),
  object: Type.Literal("organization"),
  name: Type.String(),
  slug: Type.String(),
  plan: Type.String(),
  rateLimitPerMinute: Type.Union([Type.Integer(), Type.Null()]),
  accessTokenTtlSeconds: Type.Integer(),
  refreshTokenTtlSeconds: Type.Integer(),
  allowedOrigins: Type.Array(Type.String()),
  smsAllowedCountries: Type.Array(Type.String()),
  otpWebhookUrl: Type.Union([Type.String(), Type.Null()]),
  otpWebhookSecret: Type.Optional(
    Type.String({ description: "Signing secret of a newly set otpWebhookUrl. Shown once: store it now." }),
  ),
  createdAt: Type.String({ format: "date-time" }),
  updatedAt: Type.String({ format: "date-time" }),
});

const OrganizationPatch = Type.Object(
  {
    name: Type.Optional(Type.String({ minLength: 1, maxLength: 100 })),
    allowedOrigins: Type.Optional(
      Type.Array(Type.String({ minLength: 1, maxLength: 253 }), {
        maxItems: 100,
        uniqueItems: true,
        description: "Origins allowed to use publishable keys from a browser; empty = any",
      }),
    ),
    accessTokenTtlSeconds: Type.Optional(
      Type.Integer({ minimum: 60, maximum: 86_400, description: "Consumer access token lifetime (1 min to 24 h)" }),
    ),
    refreshTokenTtlSeconds: Type.Optional(
      Type.Integer({ minimum: 3600, maximum: 31_536_000, description: "Absolute session lifetime (1 h to 1 year)" }),
    ),
    otpWebhookUrl: Type.Optional(
      Type.Union([Type.String({ maxLength: 2000 }), Type.Null()], {
        description: "Send this organization's codes to your own gateway (signed POSTs); null = server default",
      }),
    ),
    smsAllowedCountries: Type.Optional(
      Type.Array(Type.String({ pattern: "^[A-Z]{2}$" }), {
        maxItems: 250,
        uniqueItems: true,
        description: "ISO 3166 countries SMS codes may be sent to",
      }),
    ),
  },
  { additionalProperties: false, minProperties: 1 },
);

const PublicOrganization = Type.Object({
  id: Type.String(),
  object: Type.Literal("organization"),
  name: Type.String(),
  slug: Type.String(),
  mode: Type.Union([Type.Literal("live"), Type.Literal("test")]),
});

function view(organization: Organization, otpWebhookSecret?: string) {
  return {
    object: "organization" as const,
    ...publicSettings(organization),
    ...(otpWebhookSecret ? { otpWebhookSecret } : {}),
  };
}

const adminAuth = { kind: "secret", scope: "admin" } as const;
const tags = ["Organization"];

/** Admin API: the organization's own settings. */
export function organizationAdminRoutes(deps: Deps): FastifyPluginAsyncTypebox {
  return async (app) => {
    app.get(
      "/organization",
      {
        config: { auth: adminAuth },
        schema: { summary: "The organization and its settings", tags, response: { 200: OrganizationView } },
      },
      async (request) => {
        const organization = await deps.organizations.get(authOf(request).tenant.organizationId);
        if (!organization) throw errors.resourceNotFound("Organization");
        return view(organization);
      },
    );

    app.patch(
      "/organization",
      {
        config: { auth: adminAuth, errors: ["live_key_required"] as const },
        schema: {
          summary: "Change the organization's settings",
          tags,
          body: OrganizationPatch,
          response: { 200: OrganizationView },
        },
      },
      async (request) => {
        const { tenant } = authOf(request);
        const updated = await updateOrganizationSettings(deps, tenant, actorOf(request), request.body);
        return view(updated.organization, updated.otpWebhookSecret);
      },
    );
  };
}

/** Consumer API: what a client integration may know about the organization behind its key. */
export function organizationConsumerRoutes(deps: Deps): FastifyPluginAsyncTypebox {
  return async (app) => {
    app.get(
      "/organizations/current",
      {
        config: { auth: { kind: "publishable" } },
        schema: {
          summary: "The organization of the publishable key: its name and public settings",
          tags,
          response: { 200: PublicOrganization },
        },
      },
      async (request) => {
        const { tenant } = authOf(request);
        const organization = await deps.organizations.get(tenant.organizationId);
        if (!organization) throw errors.resourceNotFound("Organization");
        return {
          id: organization.id,
          object: "organization" as const,
          name: organization.name,
          slug: organization.slug,
          mode: tenant.mode,
        };
      },
    );
  };
}
