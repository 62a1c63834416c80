import { OtpIdentity, SessionEnvelope } from "@fanfare/contract";
import type { FastifyPluginAsyncTypebox } from "@fastify/type-provider-typebox";
import type { FastifyRequest } from "fastify";
import { Type } from "typebox";
import type { Deps } from "../../deps.js";
import { AppError } from "../../http/errors.js";
import { enforceLimits } from "../../http/rate-limit.js";
import { normalizeEmail } from "../../lib/email.js";
import { authOf, authorizeTokenIn, presentedAccessToken } from "../access/index.js";
import type { AccessClaims } from "../tokens/access-tokens.js";
import { identifierFrom } from "./identifiers.js";
import { requestCode, verifyCode } from "./service.js";
import { listOutbox } from "./store.js";

const tags = ["Consumer authentication"];
const TEN_MINUTES = 10 * 60_000;

/** A guest's access token sent along with the code upgrades that guest; any other token is ignored. */
async function guestOf(deps: Deps, request: FastifyRequest): Promise<AccessClaims | null> {
  const claims = await presentedAccessToken(deps, request);
  if (!claims) return null;
  const verdict = authorizeTokenIn(claims, authOf(request).tenant);
  if (!verdict.ok) throw verdict.error;
  return claims.isGuest ? claims : null;
}

/** Consumer API: one-time codes by email or SMS. */
export function otpRoutes(deps: Deps): FastifyPluginAsyncTypebox {
  return async (app) => {
    app.post(
      "/auth/otp/request",
      {
        config: { auth: { kind: "publishable" }, errors: ["invalid_phone", "sms_country_not_allowed"] as const },
        schema: {
          summary: "Send a one-time code by email or SMS",
          tags,
          body: Type.Object(
            { ...OtpIdentity, name: Type.Optional(Type.String({ maxLength: 200 })) },
            { additionalProperties: false },
          ),
          response: { 200: Type.Object({ ok: Type.Boolean() }) },
        },
      },
      async (request, reply) => {
        const { tenant } = authOf(request);
        const identifier = identifierFrom(request.body);
        const scope = `${tenant.organizationId}:${tenant.mode}`;
        await enforceLimits(deps.limiter, reply, [
          { key: `otp-request:ip:${scope}:${request.ip}`, limit: 20, windowMs: TEN_MINUTES },
          { key: `otp-request:id:${scope}:${identifier.value}`, limit: 5, windowMs: TEN_MINUTES },
        ]);
        await requestCode(deps, tenant, identifier);
        return { ok: true };
      },
    );

    app.post(
      "/auth/otp/verify",
      {
        config: {
          auth: { kind: "publishable" },
          errors: ["otp_invalid", "otp_expired", "invalid_phone", "already_linked"] as const,
        },
        schema: {
          summary: "Sign in with a one-time code (a guest session is upgraded)",
          tags,
          body: Type.Object(
            { ...OtpIdentity, code: Type.String({ pattern: "^[0-9]{6}$", description: "The 6-digit code" }) },
            { additionalProperties: false },
          ),
          response: { 200: SessionEnvelope },
        },
      },
      async (request, reply) => {
        const { tenant } = authOf(request);
        await enforceLimits(deps.limiter, reply, [
          {
            key: `otp-verify:ip:${tenant.organizationId}:${tenant.mode}:${request.ip}`,
            limit: 60,
            windowMs: TEN_MINUTES,
          },
        ]);
        const identifier = identifierFrom(request.body);
        const guest = await guestOf(deps, request);
        return verifyCode(deps, tenant, identifier, request.body.code, guest);
      },
    );
  };
}

/** Admin API, test mode only: the codes that test-mode requests would have sent. */
export function testOutboxRoutes(deps: Deps): FastifyPluginAsyncTypebox {
  return async (app) => {
    app.get(
      "/test/messages",
      {
        config: { auth: { kind: "secret", scope: "read:consumers" } },
        schema: {
          summary: "Codes sent in test mode, for automated tests",
          tags: ["Testing"],
          querystring: Type.Object(
            { to: Type.Optional(Type.String({ maxLength: 320 })) },
            { additionalProperties: false },
          ),
          response: {
            200: Type.Object({
              data: Type.Array(
                Type.Object({
                  to: Type.String(),
                  channel: Type.String(),
                  code: Type.String(),
                  createdAt: Type.String(),
                }),
              ),
            }),
          },
        },
      },
      async (request) => {
        const { tenant } = authOf(request);
        if (tenant.mode !== "test") {
          throw new AppError("permission_denied", {
            message: "The test outbox can only be read with a test-mode key; live codes are never exposed.",
          });
        }
        const to = request.query.to;
        const recipient = to === undefined ? undefined : to.includes("@") ? normalizeEmail(to) : to.trim();
        const rows = await listOutbox(deps.db, tenant, recipient);
        return {
          data: rows.map((row) => ({
            to: row.recipient,
            channel: row.channel,
            code: row.code,
            createdAt: row.created_at,
          })),
        };
      },
    );
  };
}
