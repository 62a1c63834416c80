import type { RouteAuth } from "@fanfare/contract";
import { CSRF_HEADER, DASHBOARD_COOKIE, MODE_HEADER } from "@fanfare/contract";
import type { FastifyRequest } from "fastify";
import type { KeyKind } from "../../db/schema.js";
import type { Deps } from "../../deps.js";
import { readCookie } from "../../http/cookies.js";
import { type AppError, errors } from "../../http/errors.js";
import type { TenantScope } from "../../lib/tenant.js";
import type { Actor } from "../audit/service.js";
import type { KeyOutcome, VerifiedKey } from "../keys/verify.js";
import { authenticateCookie, csrfValid, type MemberPrincipal } from "../members/sessions.js";
import type { AccessClaims } from "../tokens/access-tokens.js";
import { authorizeKey, authorizeMember, authorizeOrigin, authorizeTokenIn, invalidToken } from "./authorize.js";

/*
 * Who made a request, and whether its route lets them: keys (format, verification, network,
 * permission, origin), consumers' access tokens, and dashboard members' sessions (CSRF, role).
 * http/auth.ts runs `authenticate` on every route that declares an auth.
 */

/** Who made an authenticated request: its tenant, and the key, consumer or member that proved it. */
export interface RequestAuth {
  readonly tenant: TenantScope;
  readonly key: VerifiedKey | null;
  readonly consumer: AccessClaims | null;
  readonly member: MemberPrincipal | null;
}

declare module "fastify" {
  interface FastifyRequest {
    auth: RequestAuth | null;
  }
}

export interface PresentedCredentials {
  /** The value of `Authorization: Bearer <value>`. */
  bearer?: string;
  /** `Authorization` was sent but is not a Bearer credential. */
  malformedAuthorization: boolean;
  publishableHeader?: string;
}

/** Pure: what was sent, with no verification. */
function readCredentials(headers: FastifyRequest["headers"]): PresentedCredentials {
  const authorization = headers.authorization;
  const publishable = headers["x-publishable-key"];
  const credentials: PresentedCredentials = { malformedAuthorization: false };
  if (typeof publishable === "string" && publishable !== "") credentials.publishableHeader = publishable.trim();
  if (typeof authorization === "string" && authorization !== "") {
    const match = /^Bearer\s+(\S+)\s*$/i.exec(authorization);
    if (match?.[1]) credentials.bearer = match[1];
    else credentials.malformedAuthorization = true;
  }
  return credentials;
}

const isSecretKey = (value: string | undefined) => value?.startsWith("sk_") ?? false;
const isPublishableKey = (value: string | undefined) => value?.startsWith("pk_") ?? false;

/** Which key string a route should verify, or the error that ends the request first. */
export function selectKey(
  auth: RouteAuth,
  credentials: PresentedCredentials,
): { key: string; kind: KeyKind } | AppError {
  const { bearer, publishableHeader } = credentials;
  if (auth.kind === "secret") {
    if (isSecretKey(bearer)) return { key: bearer as string, kind: "secret" };
    if (isPublishableKey(bearer) || publishableHeader !== undefined) return errors.secretKeyRequired();
    if (bearer === undefined && !credentials.malformedAuthorization) return errors.authenticationRequired();
    return errors.invalidApiKey();
  }
  if (isSecretKey(bearer)) return { key: bearer as string, kind: "secret" };
  if (publishableHeader !== undefined) return { key: publishableHeader, kind: "publishable" };
  if (isPublishableKey(bearer)) return { key: bearer as string, kind: "publishable" };
  return errors.authenticationRequired();
}

function rejection(outcome: Extract<KeyOutcome, { ok: false }>): AppError {
  if (outcome.reason === "inactive") return errors.apiKeyInactive();
  if (outcome.reason === "expired") return errors.apiKeyExpired(outcome.key?.record.expiresAt ?? "");
  return errors.invalidApiKey();
}

async function verifyKey(
  deps: Deps,
  request: FastifyRequest,
  auth: RouteAuth,
  selected: { key: string; kind: KeyKind },
): Promise<VerifiedKey> {
  const outcome = await deps.keys.verify(selected.key);
  if (!outcome.ok) throw rejection(outcome);
  const { key } = outcome;
  const record = key.record;
  if (record.kind !== selected.kind) throw errors.invalidApiKey();
  // From here on the request is the key's: refusals below count in its usage as client errors.
  request.identity.organizationId = record.organizationId;
  request.identity.keyId = record.id;
  request.identity.mode = record.mode;
  // `request.ip` is worked out (through X-Forwarded-For when proxies are trusted) only when the
  // key has a network list; the organization is read only for a browser's origin, and only once
  // the key may make the request at all.
  const verdict = authorizeKey(auth, key, { ip: () => request.ip });
  if (!verdict.ok) throw verdict.error;
  if (record.kind === "publishable") await authorizeBrowserOrigin(deps, request, record);
  deps.lastUsed.record(record.id, deps.clock.now());
  return key;
}

/**
 * A browser's request (one with `Origin`) against its tenant's allowed origins, whichever
 * browser credential proved the tenant: a publishable key, or an access token sent alone.
 * The organization is read only when there is an origin to judge.
 */
async function authorizeBrowserOrigin(deps: Deps, request: FastifyRequest, tenant: TenantScope): Promise<void> {
  const origin = request.headers.origin;
  if (typeof origin !== "string") return;
  const verdict = authorizeOrigin(origin, tenant, await deps.organizations.get(tenant.organizationId));
  if (!verdict.ok) throw verdict.error;
}

/** A bearer verified as an access token; null when it is absent or a key. */
async function accessTokenOf(deps: Deps, bearer: string | undefined): Promise<AccessClaims | null> {
  if (!bearer || isSecretKey(bearer) || isPublishableKey(bearer)) return null;
  const outcome = await deps.accessTokens.verify(bearer);
  if (!outcome.ok) throw invalidToken(outcome.reason);
  return outcome.claims;
}

/** The access token in `Authorization: Bearer`, verified; null when the bearer is absent or a key. */
export function presentedAccessToken(deps: Deps, request: FastifyRequest): Promise<AccessClaims | null> {
  return accessTokenOf(deps, readCredentials(request.headers).bearer);
}

async function authenticateConsumer(deps: Deps, request: FastifyRequest): Promise<void> {
  const credentials = readCredentials(request.headers);
  const claims = await accessTokenOf(deps, credentials.bearer);
  if (!claims) throw errors.authenticationRequired();
  let key: VerifiedKey | null = null;
  if (credentials.publishableHeader !== undefined) {
    key = await verifyKey(
      deps,
      request,
      { kind: "publishable" },
      { key: credentials.publishableHeader, kind: "publishable" },
    );
    const verdict = authorizeTokenIn(claims, key.record);
    if (!verdict.ok) throw verdict.error;
  } else {
    await authorizeBrowserOrigin(deps, request, claims);
  }
  request.auth = {
    tenant: { organizationId: claims.organizationId, mode: claims.mode },
    key,
    consumer: claims,
    member: null,
  };
  request.identity.organizationId = claims.organizationId;
}

function modeOf(request: FastifyRequest): TenantScope["mode"] {
  const mode = request.headers[MODE_HEADER];
  if (mode === undefined || mode === "live") return "live";
  if (mode === "test") return "test";
  throw errors.validation("Invalid request: X-Fanfare-Mode must be live or test.", [
    { path: "headers.x-fanfare-mode", message: "must be live or test" },
  ]);
}

/** A dashboard member by session cookie, then `authorizeMember`. */
async function authenticateMember(deps: Deps, request: FastifyRequest, auth: RouteAuth): Promise<void> {
  const cookie = readCookie(request.headers.cookie, DASHBOARD_COOKIE);
  const member = cookie ? await authenticateCookie(deps, cookie) : null;
  if (!member) throw errors.authenticationRequired();
  request.identity.organizationId = member.organizationId;
  const presented = request.headers[CSRF_HEADER];
  const verdict = authorizeMember(auth, member, {
    method: request.method,
    csrfValid: () => csrfValid(deps, member.session.id, typeof presented === "string" ? presented : undefined),
  });
  if (!verdict.ok) throw verdict.error;
  const tenant = { organizationId: member.organizationId, mode: modeOf(request) };
  request.identity.mode = tenant.mode;
  request.auth = { tenant, key: null, consumer: null, member };
}

/** Nothing but (possibly) a cookie was sent: the request is the dashboard's. */
const presentsOnlyCookie = (credentials: PresentedCredentials) =>
  credentials.bearer === undefined &&
  credentials.publishableHeader === undefined &&
  !credentials.malformedAuthorization;

export async function authenticate(
  deps: Deps,
  request: FastifyRequest,
  auth: RouteAuth,
  acceptsMembers: boolean,
): Promise<void> {
  if (auth.kind === "consumer") return authenticateConsumer(deps, request);
  const credentials = readCredentials(request.headers);
  if (auth.kind === "member" || (acceptsMembers && auth.kind === "secret" && presentsOnlyCookie(credentials))) {
    return authenticateMember(deps, request, auth);
  }
  const selected = selectKey(auth, credentials);
  if (!("key" in selected)) throw selected;
  const key = await verifyKey(deps, request, auth, selected);
  const tenant = { organizationId: key.record.organizationId, mode: key.record.mode };
  request.auth = { tenant, key, consumer: null, member: null };
}

/** The authenticated caller; only for routes whose `auth` is not `none`. */
export function authOf(request: FastifyRequest): RequestAuth {
  if (!request.auth) throw new Error(`Route ${request.routeOptions.url} read auth but does not authenticate`);
  return request.auth;
}

/** The audit actor: the dashboard member, else the key that made the request. */
export function actorOf(request: FastifyRequest): Actor {
  const { member, key } = authOf(request);
  if (member) return { type: "member", id: member.memberId, ip: request.ip, requestId: request.id };
  return { type: "api_key", id: key?.record.id ?? null, keyValue: key?.value, ip: request.ip, requestId: request.id };
}

/** The signed-in dashboard member; only for routes whose `auth` is `member` (or accepts one). */
export function memberOf(request: FastifyRequest): MemberPrincipal {
  const member = authOf(request).member;
  if (!member) throw new Error(`Route ${request.routeOptions.url} read a member but was not called by one`);
  return member;
}

/** The signed-in consumer; only for routes whose `auth` is `consumer`. */
export function consumerOf(request: FastifyRequest): AccessClaims {
  const consumer = authOf(request).consumer;
  if (!consumer) throw new Error(`Route ${request.routeOptions.url} read a consumer but does not require one`);
  return consumer;
}
