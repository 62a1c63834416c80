import { Type } from "typebox";
import { Deleted, IdParams, Mode, Page, PageQuery, Timestamp } from "./common.js";

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

/**
 * The scope that manages the account rather than its data: API keys, webhook endpoints,
 * organization settings, alert rules and the audit log all require it. A regenerated key's
 * previous value never holds it during its grace period (403 `key_rotating`), so a leaked old
 * value cannot regenerate the key or mint another one.
 */
export const MANAGEMENT_SCOPE = "admin" satisfies SecretScope;

const Nullable = <T extends ReturnType<typeof Type.String>>(schema: T) => Type.Union([schema, Type.Null()]);
const KeyType = Type.Union([Type.Literal("publishable"), Type.Literal("secret")]);
// Spelled out (not mapped from SECRET_SCOPES) so the static type is the union, not `never`.
const Scope = Type.Union([
  Type.Literal("read:experiences"),
  Type.Literal("write:experiences"),
  Type.Literal("read:consumers"),
  Type.Literal("write:consumers"),
  Type.Literal("read:analytics"),
  Type.Literal("admin"),
]);
const Permissions = Type.Array(Scope, {
  minItems: 1,
  uniqueItems: true,
  description: "Secret keys only; write:x implies read:x and admin implies everything. Default: [admin].",
});
const Cidrs = Type.Array(Type.String({ maxLength: 64 }), {
  maxItems: 100,
  description: "Secret keys only: IPv4/IPv6 addresses or CIDR ranges the key may be used from. Empty = anywhere.",
});

/** A key as every endpoint shows it: never the key itself. */
export const ApiKeyView = Type.Object({
  id: Type.String(),
  object: Type.Literal("api_key"),
  name: Type.String(),
  type: KeyType,
  mode: Mode,
  status: Type.Union([Type.Literal("active"), Type.Literal("inactive"), Type.Literal("expired")]),
  displayHint: Type.String({ description: "Prefix, first four and last four characters" }),
  permissions: Type.Array(Type.String()),
  allowedCidrs: Type.Array(Type.String()),
  expiresAt: Nullable(Timestamp),
  createdAt: Timestamp,
  createdBy: Nullable(Type.String()),
  lastUsedAt: Nullable(Timestamp),
});

/** The create and regenerate responses: the only two places the full key ever appears. */
export const ApiKeyWithSecret = Type.Intersect([
  ApiKeyView,
  Type.Object({
    key: Type.String({ description: "The full key. Shown once: store it now." }),
    previousKeyExpiresAt: Type.Optional(Nullable(Timestamp)),
  }),
]);

export const CreateApiKeyBody = Type.Object(
  {
    name: Type.String({ minLength: 1, maxLength: 100 }),
    type: KeyType,
    mode: Type.Optional(Mode),
    permissions: Type.Optional(Permissions),
    expiresAt: Type.Optional(Nullable(Timestamp)),
    allowedCidrs: Type.Optional(Cidrs),
  },
  { additionalProperties: false },
);

export const UpdateApiKeyBody = Type.Object(
  {
    name: Type.Optional(Type.String({ minLength: 1, maxLength: 100 })),
    permissions: Type.Optional(Permissions),
    expiresAt: Type.Optional(Nullable(Timestamp)),
    allowedCidrs: Type.Optional(Cidrs),
  },
  { additionalProperties: false, minProperties: 1 },
);

export const RegenerateBody = Type.Object(
  {
    gracePeriodSeconds: Type.Optional(
      Type.Integer({
        minimum: 0,
        maximum: 2_592_000,
        default: 0,
        description:
          "How long the old value keeps working, for data only: it cannot manage keys, webhooks or settings (0 = stops at once; at most 30 days)",
      }),
    ),
  },
  { additionalProperties: false },
);

export const ListApiKeysQuery = Type.Object(
  {
    ...PageQuery,
    type: Type.Optional(KeyType),
    mode: Type.Optional(Mode),
    status: Type.Optional(Type.Union([Type.Literal("active"), Type.Literal("inactive"), Type.Literal("expired")])),
  },
  { additionalProperties: false },
);

export const KeyIdParams = IdParams;
export const ApiKeyPage = Page(ApiKeyView);
export const DeletedApiKey = Deleted("api_key");
