import { Type } from "typebox";
import { TEST_MODE_DEFAULT_ORIGINS } from "./routes/orgs.js";

const originRules = (description: string) =>
  Type.Array(Type.String({ minLength: 1, maxLength: 253 }), { maxItems: 100, uniqueItems: true, description });
const LIVE_ORIGINS = "Origins allowed to use live mode from a browser (publishable keys, access tokens); empty = any";
const TEST_ORIGINS =
  "Origins allowed to use test mode from a browser; empty = any; null = the default, " +
  `${TEST_MODE_DEFAULT_ORIGINS.join(" and ")} (any port)`;

/** Schemas of the organization routes. */
export const OrganizationView = Type.Object({
  id: Type.String(),
  object: Type.Literal("organization"),
  name: Type.String(),
  slug: Type.String(),
  plan: Type.String(),
  rateLimitPerMinute: Type.Union([Type.Integer(), Type.Null()]),
  accessTokenTtlSeconds: Type.Integer(),
  refreshTokenTtlSeconds: Type.Integer(),
  allowedOrigins: Type.Array(Type.String(), { description: LIVE_ORIGINS }),
  testAllowedOrigins: Type.Union([Type.Array(Type.String()), Type.Null()], { description: TEST_ORIGINS }),
  smsAllowedCountries: Type.Array(Type.String()),
  otpWebhookUrl: Type.Union([Type.String(), Type.Null()]),
  otpWebhookSecret: Type.Optional(
    Type.String({ description: "Signing secret of a newly set otpWebhookUrl. Shown once: store it now." }),
  ),
  createdAt: Type.String({ format: "date-time" }),
  updatedAt: Type.String({ format: "date-time" }),
});

export const OrganizationPatch = Type.Object(
  {
    name: Type.Optional(Type.String({ minLength: 1, maxLength: 100 })),
    allowedOrigins: Type.Optional(originRules(LIVE_ORIGINS)),
    testAllowedOrigins: Type.Optional(Type.Union([originRules(TEST_ORIGINS), Type.Null()])),
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

export const PublicOrganization = Type.Object({
  id: Type.String(),
  object: Type.Literal("organization"),
  name: Type.String(),
  slug: Type.String(),
  mode: Type.Union([Type.Literal("live"), Type.Literal("test")]),
});
