import type { FastifyPluginAsyncTypebox } from "@fastify/type-provider-typebox";
import { Type } from "typebox";
import type { Deps } from "../../deps.js";
import { authOf } from "../../http/auth.js";
import { errors } from "../../http/errors.js";
import { enforceLimits } from "../../http/rate-limit.js";
import { SessionEnvelopeSchema } from "../sessions/routes.js";
import { authorizeExternal, exchangeCode } from "./service.js";

const MAX_CLAIMS_CHARS = 10_000;
// Minting exchange codes is a merchant-server action; a runaway loop should not mint unbounded codes.
const AUTHORIZE_PER_MINUTE = 100;

const AuthorizeBody = Type.Object(
  {
    provider: Type.String({ minLength: 1, maxLength: 100, description: "e.g. shopify, auth0, your-platform" }),
    issuer: Type.String({ minLength: 1, maxLength: 500 }),
    subject: Type.String({ minLength: 1, maxLength: 255 }),
    canonicalSubject: Type.Optional(Type.String({ minLength: 1, maxLength: 255 })),
    claims: Type.Optional(
      Type.Object(
        {
          email: Type.Optional(Type.String({ format: "email", maxLength: 320 })),
          fullName: Type.Optional(Type.String({ maxLength: 200 })),
          name: Type.Optional(Type.String({ maxLength: 200 })),
        },
        { additionalProperties: true },
      ),
    ),
  },
  { additionalProperties: false },
);

const tags = ["Consumer authentication"];

/** Consumer API: sign-in with the merchant's own login, through a one-time exchange code. */
export function externalAuthRoutes(deps: Deps): FastifyPluginAsyncTypebox {
  return async (app) => {
    app.post(
      "/auth/external/authorize",
      {
        config: { auth: { kind: "secret", scope: "write:consumers" } },
        schema: {
          tags,
          security: [{ SecretKey: [] }],
          body: AuthorizeBody,
          response: {
            200: Type.Object({
              exchangeCode: Type.String(),
              expiresAt: Type.String({ format: "date-time" }),
              resolution: Type.Union([Type.Literal("created"), Type.Literal("existing"), Type.Literal("linked")]),
            }),
          },
        },
      },
      async (request, reply) => {
        const { key } = authOf(request);
        await enforceLimits(deps.limiter, reply, [
          { key: `external-authorize:${key?.record.id}`, limit: AUTHORIZE_PER_MINUTE, windowMs: 60_000 },
        ]);
        if (request.body.claims && JSON.stringify(request.body.claims).length > MAX_CLAIMS_CHARS) {
          throw errors.validation(`Invalid request: body.claims is larger than ${MAX_CLAIMS_CHARS} characters.`, [
            { path: "body.claims", message: `must be at most ${MAX_CLAIMS_CHARS} characters of JSON` },
          ]);
        }
        return authorizeExternal(deps, authOf(request).tenant, request.body);
      },
    );

    app.post(
      "/auth/external/exchange",
      {
        config: { auth: { kind: "publishable" } },
        schema: {
          tags,
          security: [{ PublishableKey: [] }],
          body: Type.Object(
            { exchangeCode: Type.String({ minLength: 1, maxLength: 100 }) },
            { additionalProperties: false },
          ),
          response: { 200: SessionEnvelopeSchema },
        },
      },
      async (request) => exchangeCode(deps, authOf(request).tenant, request.body.exchangeCode),
    );
  };
}
