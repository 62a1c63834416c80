import { MANAGEMENT_SCOPE, type RouteAuth } from "@fanfare/contract";
import { type AppError, errors } from "../../http/errors.js";
import { changesState } from "../../lib/http-methods.js";
import { type OriginSettings, originAllowed, originsAllowedIn } from "../../lib/origin.js";
import type { TenantScope } from "../../lib/tenant.js";
import type { VerifiedKey } from "../keys/verify.js";
import { roleAllows } from "../members/roles.js";
import { memberErrors } from "../members/service.js";
import type { MemberPrincipal } from "../members/sessions.js";
import type { AccessClaims } from "../tokens/access-tokens.js";

/*
 * The decisions, once a credential is proven: may this principal make this request? Pure: what
 * they need is passed in (lazily where it costs, like the client address), and the answer is a
 * value, so each rule is tested on its own; `authenticate` turns a refusal into the response.
 */

export type Authorization = { readonly ok: true } | { readonly ok: false; readonly error: AppError };

const ALLOWED: Authorization = { ok: true };
const refused = (error: AppError): Authorization => ({ ok: false, error });

/**
 * A verified key on a route: the key's networks first (nothing else is spent on a refused
 * address; `ip` is only worked out when there is a list), then a secret route's permission. A
 * regenerated key's previous value keeps its data permissions but never manages the account: a
 * leaked old value must not be able to regenerate the key out of its owner's hands.
 */
export function authorizeKey(auth: RouteAuth, key: VerifiedKey, request: { ip: () => string }): Authorization {
  if (!key.allowlist.empty && !key.allowlist.allows(request.ip())) return refused(errors.ipNotAllowed());
  if (auth.kind !== "secret") return ALLOWED;
  if (!key.scopes.has(auth.scope)) return refused(errors.permissionDenied(auth.scope));
  if (auth.scope === MANAGEMENT_SCOPE && key.value === "previous") return refused(errors.keyRotating(key.graceUntilMs));
  return ALLOWED;
}

/**
 * A browser's request (one with `Origin`), whatever proved its tenant (a publishable key or an
 * access token): the origin must be one the organization allows in that mode. Refused when the
 * organization is gone (`settings` undefined).
 */
export function authorizeOrigin(
  origin: string,
  tenant: TenantScope,
  settings: OriginSettings | undefined,
): Authorization {
  if (settings && originAllowed(origin, originsAllowedIn(settings, tenant.mode))) return ALLOWED;
  return refused(errors.originNotAllowed(origin, tenant.mode));
}

/**
 * An access token used in a tenant (the organization and mode of the publishable key sent beside
 * it): a token is only good there if it was issued there.
 */
export function authorizeTokenIn(claims: AccessClaims, tenant: TenantScope): Authorization {
  if (tenant.organizationId !== claims.organizationId || tenant.mode !== claims.mode) return refused(invalidToken());
  return ALLOWED;
}

/**
 * A dashboard member by session cookie. Cookies travel with every request a browser makes, so a
 * state change must also carry the session's CSRF token (`csrfValid`), which only our own page
 * can read; on a secret-key route the member's role must allow the request.
 */
export function authorizeMember(
  auth: RouteAuth,
  member: MemberPrincipal,
  request: { method: string; csrfValid: () => boolean },
): Authorization {
  if (changesState(request.method) && !request.csrfValid()) return refused(errors.csrfTokenInvalid());
  if (auth.kind === "secret" && !roleAllows(member.role, auth.scope, request.method)) {
    return refused(memberErrors.roleForbidden(member.role));
  }
  return ALLOWED;
}

/** The refusal of an access token, by why it failed verification. */
export function invalidToken(reason: "invalid" | "expired" | "revoked" = "invalid"): AppError {
  return reason === "expired" ? errors.tokenExpired() : errors.invalidToken();
}
