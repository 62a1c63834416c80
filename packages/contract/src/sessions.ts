import { Type } from "typebox";
import { Timestamp } from "./common.js";

export const TokenPair = Type.Object({
  accessToken: Type.String(),
  accessTokenExpiresAt: Timestamp,
  refreshToken: Type.String({ description: "Opaque; rotated on every refresh" }),
  refreshTokenTtlSeconds: Type.Integer(),
});

/** What every sign-in answers: the session and its first token pair. */
export const SessionEnvelope = Type.Object({
  session: Type.Object({
    type: Type.Union([Type.Literal("guest"), Type.Literal("authenticated")]),
    consumerId: Type.String(),
    guestId: Type.Optional(Type.String()),
    email: Type.Optional(Type.String()),
    phone: Type.Optional(Type.String()),
    expiresAt: Timestamp,
  }),
  ...TokenPair.properties,
});

export const SessionView = Type.Object({
  id: Type.String(),
  type: Type.String(),
  current: Type.Boolean(),
  createdAt: Timestamp,
  lastRefreshedAt: Type.Union([Timestamp, Type.Null()]),
  expiresAt: Timestamp,
});

/** `{email}` or `{phone, defaultCountry?}`; checked after normalisation, not by the schema alone. */
export const OtpIdentity = {
  email: Type.Optional(Type.String({ minLength: 1, maxLength: 320 })),
  phone: Type.Optional(Type.String({ minLength: 1, maxLength: 32 })),
  defaultCountry: Type.Optional(
    Type.String({ pattern: "^[A-Z]{2}$", description: "ISO 3166 country for local numbers" }),
  ),
};

export const ExternalAuthorizeBody = Type.Object(
  {
    provider: Type.String({ minLength: 1, maxLength: 100, description: "e.g. shopify, auth0, your-platform" }),
    issuer: Type.String({ minLength: 1, maxLength: 500 }),
    subject: Type.String({ minLength: 1, maxLength: 255 }),
    canonicalSubject: Type.Optional(Type.String({ minLength: 1, maxLength: 255 })),
    claims: Type.Optional(
      Type.Object(
        {
          email: Type.Optional(Type.String({ format: "email", maxLength: 320 })),
          emailVerified: Type.Optional(
            Type.Boolean({
              description:
                "true only if your platform has verified that the user owns this email. Only a verified " +
                "email becomes the consumer's email, which email-code sign-in finds accounts by.",
            }),
          ),
          fullName: Type.Optional(Type.String({ maxLength: 200 })),
          name: Type.Optional(Type.String({ maxLength: 200 })),
        },
        { additionalProperties: true },
      ),
    ),
  },
  { additionalProperties: false },
);

export const ExternalResolution = Type.Union([
  Type.Literal("created"),
  Type.Literal("existing"),
  Type.Literal("linked"),
]);
export const ExternalAuthorizeResult = Type.Object({
  exchangeCode: Type.String(),
  expiresAt: Timestamp,
  resolution: ExternalResolution,
});

/** The public keys that verify access tokens (RFC 7517), as served at `/.well-known/jwks.json`. */
export const JsonWebKeySet = Type.Object({
  keys: Type.Array(
    Type.Object({
      kty: Type.Literal("OKP"),
      crv: Type.Literal("Ed25519"),
      x: Type.String(),
      kid: Type.String(),
      alg: Type.Literal("EdDSA"),
      use: Type.Literal("sig"),
    }),
  ),
});

export const RefreshBody = Type.Object(
  { refreshToken: Type.String({ minLength: 1, maxLength: 200 }) },
  { additionalProperties: false },
);
export const LogoutBody = Type.Object(
  { scope: Type.Optional(Type.Union([Type.Literal("session"), Type.Literal("all")], { default: "session" })) },
  { additionalProperties: false },
);
export const SessionList = Type.Object({ data: Type.Array(SessionView) });
export const ExternalExchangeBody = Type.Object(
  { exchangeCode: Type.String({ minLength: 1, maxLength: 100 }) },
  { additionalProperties: false },
);
