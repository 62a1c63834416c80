import * as routes from "@fanfare/contract";
import type { FastifyPluginAsync, FastifyRequest } from "fastify";
import type { Deps } from "../../deps.js";
import { addRoute } from "../../http/contract-routes.js";
import { AppError } from "../../http/errors.js";
import { clientOf, enforceLimits } from "../../http/rate-limit.js";
import { normalizeEmail } from "../../lib/email.js";
import { authOf, authorizeTokenIn, presentedAccessToken } from "../access/index.js";
import type { AccessClaims } from "../tokens/access-tokens.js";
import { identifierFrom } from "./identifiers.js";
import { requestCode, verifyCode } from "./service.js";
import { listOutbox } from "./store.js";

const TEN_MINUTES = 10 * 60_000;
const HOUR = 60 * 60_000;
/**
 * Guesses at one identifier's codes from one client network in an hour. Never per identifier
 * alone: that would be a lock any stranger could put on the mailbox's owner. Spread over many
 * networks, guessing stays bounded by the five attempts each code allows and the codes an
 * identifier can be sent (5 per 10 minutes, one a minute).
 */
const VERIFIES_PER_IDENTIFIER_AND_NETWORK = 10;

/** A guest's access token sent along with the code upgrades that guest; any other token is ignored. */
async function guestOf(deps: Deps, request: FastifyRequest): Promise<AccessClaims | null> {
  const claims = await presentedAccessToken(deps, request);
  if (!claims) return null;
  const verdict = authorizeTokenIn(claims, authOf(request).tenant);
  if (!verdict.ok) throw verdict.error;
  return claims.isGuest ? claims : null;
}

/** Consumer API: one-time codes by email or SMS. */
export function otpRoutes(deps: Deps): FastifyPluginAsync {
  return async (app) => {
    addRoute(app, routes.requestOtp, async (request, reply) => {
      const { tenant } = authOf(request);
      const identifier = identifierFrom(request.body);
      const scope = `${tenant.organizationId}:${tenant.mode}`;
      await enforceLimits(deps.limiter, reply, [
        { key: `otp-request:ip:${scope}:${clientOf(deps, request)}`, limit: 20, windowMs: TEN_MINUTES },
        { key: `otp-request:id:${scope}:${identifier.value}`, limit: 5, windowMs: TEN_MINUTES },
      ]);
      await requestCode(deps, tenant, identifier);
      return { ok: true };
    });

    addRoute(app, routes.verifyOtp, async (request, reply) => {
      const { tenant } = authOf(request);
      const scope = `${tenant.organizationId}:${tenant.mode}`;
      const client = clientOf(deps, request);
      await enforceLimits(deps.limiter, reply, [
        { key: `otp-verify:ip:${scope}:${client}`, limit: 60, windowMs: TEN_MINUTES },
      ]);
      const identifier = identifierFrom(request.body);
      // Counted before the code is compared, so parallel guesses cannot slip past the limit.
      await enforceLimits(deps.limiter, reply, [
        {
          key: `otp-verify:id-ip:${scope}:${client}:${identifier.value}`,
          limit: VERIFIES_PER_IDENTIFIER_AND_NETWORK,
          windowMs: HOUR,
        },
      ]);
      const guest = await guestOf(deps, request);
      return verifyCode(deps, tenant, identifier, request.body.code, guest);
    });
  };
}

/** Admin API, test mode only: the codes that test-mode requests would have sent. */
export function testOutboxRoutes(deps: Deps): FastifyPluginAsync {
  return async (app) => {
    addRoute(app, routes.listTestMessages, async (request) => {
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
    });
  };
}
