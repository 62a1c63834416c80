import { CSRF_HEADER, DASHBOARD_COOKIE, MODE_HEADER, type SecretScope } from "@fanfare/contract";
import type { FastifyInstance, FastifyReply, FastifyRequest } from "fastify";
import type { KeyKind } from "../db/schema.js";
import type { Deps } from "../deps.js";
import { originAllowed } from "../lib/origin.js";
import type { TenantScope } from "../lib/tenant.js";
import type { Actor } from "../modules/audit/service.js";
import type { KeyOutcome, VerifiedKey } from "../modules/keys/verify.js";
import { roleAllows } from "../modules/members/roles.js";
import { memberErrors } from "../modules/members/service.js";
import { authenticateCookie, csrfValid, type MemberPrincipal } from "../modules/members/sessions.js";
import type { AccessClaims } from "../modules/tokens/access-tokens.js";
import { readCookie } from "./cookies.js";
import { AppError, errors } from "./errors.js";
import { enforcePlanLimit } from "./rate-limit.js";

/**
 * What a route accepts, declared in its `config.auth`. Every `/api/v1` route must declare one
 * (checked when the app is built), so a route cannot ship unauthenticated by omission.
 */
export type RouteAuth =
  | { kind: "none" }
  /** A secret key holding `scope`. */
  | { kind: "secret"; scope: SecretScope }
  /** A publishable key (browsers), or a secret key for server-side calls. */
  | { kind: "publishable" }
  /**
   * A consumer's access token (`Authorization: Bearer <jwt>`). A publishable key may accompany
   * it and must then belong to the token's organization and mode.
   */
  | { kind: "consumer" }
  /** A dashboard member's session cookie (admin API only). */
  | { kind: "member" };

/** Who made an authenticated request: its tenant, and the key, consumer or member that proved it. */
export interface RequestAuth {
  readonly tenant: TenantScope;
  readonly key: VerifiedKey | null;
  readonly consumer: AccessClaims | null;
  readonly member: MemberPrincipal | null;
}

/** One row per API route: what it requires. Tests walk it to prove every route enforces it. */
export interface RouteAuthEntry {
  method: string;
  url: string;
  auth: RouteAuth;
}

declare module "fastify" {
  interface FastifyContextConfig {
    auth?: RouteAuth;
  }
  interface FastifyRequest {
    auth: RequestAuth | null;
  }
  interface FastifyInstance {
    routeAuthTable: RouteAuthEntry[];
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

const KEY_IN_QUERY = /[?&](api[_-]?key|secret[_-]?key|publishable[_-]?key|key)=/i;

export function keyInQuery(url: string): boolean {
  return url.includes("?") && KEY_IN_QUERY.test(url);
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
  // Network restrictions come before anything else is spent on the request. `request.ip` is
  // worked out (through X-Forwarded-For when proxies are trusted) only when a list needs it.
  if (!key.allowlist.empty && !key.allowlist.allows(request.ip)) throw errors.ipNotAllowed();
  if (auth.kind === "secret" && !key.scopes.has(auth.scope)) throw errors.permissionDenied(auth.scope);
  if (record.kind === "publishable") {
    const origin = request.headers.origin;
    if (typeof origin === "string") {
      const organization = await deps.organizations.get(record.organizationId);
      if (!organization || !originAllowed(origin, organization.allowedOrigins)) throw errors.originNotAllowed();
    }
  }
  deps.lastUsed.record(record.id, deps.clock.now());
  return key;
}

export const invalidToken = (reason: "invalid" | "expired" | "revoked") =>
  reason === "expired"
    ? new AppError("token_expired", { message: "The access token has expired: refresh it." })
    : new AppError("invalid_token", { message: "The access token is not valid." });

/** The access token in `Authorization: Bearer`, verified; null when the bearer is absent or a key. */
export async function presentedAccessToken(deps: Deps, request: FastifyRequest): Promise<AccessClaims | null> {
  const token = readCredentials(request.headers).bearer;
  if (!token || isSecretKey(token) || isPublishableKey(token)) return null;
  const outcome = await deps.accessTokens.verify(token);
  if (!outcome.ok) throw invalidToken(outcome.reason);
  return outcome.claims;
}

async function authenticateConsumer(deps: Deps, request: FastifyRequest): Promise<void> {
  const credentials = readCredentials(request.headers);
  const claims = await presentedAccessToken(deps, request);
  if (!claims) throw errors.authenticationRequired();
  let key: VerifiedKey | null = null;
  if (credentials.publishableHeader !== undefined) {
    key = await verifyKey(
      deps,
      request,
      { kind: "publishable" },
      { key: credentials.publishableHeader, kind: "publishable" },
    );
    // A token is only good with a key of its own organization and mode.
    if (key.record.organizationId !== claims.organizationId || key.record.mode !== claims.mode) {
      throw invalidToken("invalid");
    }
  }
  request.auth = {
    tenant: { organizationId: claims.organizationId, mode: claims.mode },
    key,
    consumer: claims,
    member: null,
  };
  request.identity.organizationId = claims.organizationId;
}

const SAFE_METHODS = new Set(["GET", "HEAD", "OPTIONS"]);

const csrfTokenInvalid = () =>
  new AppError("csrf_token_invalid", {
    message: "This request is missing the dashboard's CSRF token: reload the page and try again.",
  });

function modeOf(request: FastifyRequest): TenantScope["mode"] {
  const mode = request.headers[MODE_HEADER];
  if (mode === undefined || mode === "live") return "live";
  if (mode === "test") return "test";
  throw errors.validation("Invalid request: X-Fanfare-Mode must be live or test.", [
    { path: "headers.x-fanfare-mode", message: "must be live or test" },
  ]);
}

/**
 * A dashboard member by session cookie. Cookies travel with every request a browser makes, so
 * each state change must also carry the session's CSRF token, which only our own page can read.
 */
async function authenticateMember(deps: Deps, request: FastifyRequest, auth: RouteAuth): Promise<void> {
  const cookie = readCookie(request.headers.cookie, DASHBOARD_COOKIE);
  const member = cookie ? await authenticateCookie(deps, cookie) : null;
  if (!member) throw errors.authenticationRequired();
  request.identity.organizationId = member.organizationId;
  if (!SAFE_METHODS.has(request.method)) {
    const presented = request.headers[CSRF_HEADER];
    if (!csrfValid(deps, member.session.id, typeof presented === "string" ? presented : undefined)) {
      throw csrfTokenInvalid();
    }
  }
  if (auth.kind === "secret" && !roleAllows(member.role, auth.scope, request.method)) {
    throw memberErrors.roleForbidden(member.role);
  }
  const tenant = { organizationId: member.organizationId, mode: modeOf(request) };
  request.identity.mode = tenant.mode;
  request.auth = { tenant, key: null, consumer: null, member };
}

/** Nothing but (possibly) a cookie was sent: the request is the dashboard's. */
const presentsOnlyCookie = (credentials: PresentedCredentials) =>
  credentials.bearer === undefined &&
  credentials.publishableHeader === undefined &&
  !credentials.malformedAuthorization;

async function authenticate(
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

/**
 * Verifies each request against its route's declared `auth`, before the body is read. With
 * `acceptsMembers` (the admin API), a dashboard session cookie may stand in for a secret key.
 */
export function installAuthentication(
  app: FastifyInstance,
  deps: Deps,
  apiPrefix: string,
  acceptsMembers: boolean,
): void {
  const table: RouteAuthEntry[] = [];
  app.decorate("routeAuthTable", table);
  app.decorateRequest("auth", null);
  app.addHook("onRoute", (route) => {
    if (!route.url.startsWith(apiPrefix)) return;
    const auth = route.config?.auth;
    if (!auth) throw new Error(`Route ${route.method} ${route.url} must declare config.auth`);
    if (auth.kind === "member" && !acceptsMembers) {
      throw new Error(`Route ${route.method} ${route.url} is for dashboard members, which this API does not accept`);
    }
    for (const method of [route.method].flat()) {
      if (method !== "HEAD") table.push({ method, url: route.url, auth });
    }
    if (auth.kind === "none") return;
    // On the route itself, first among its hooks: routes without auth pay nothing per request.
    const authenticateRoute = async (request: FastifyRequest, reply: FastifyReply) => {
      if (keyInQuery(request.url)) throw errors.apiKeyInQuery();
      await authenticate(deps, request, auth, acceptsMembers);
      await enforcePlanLimit(deps, request, reply);
    };
    route.onRequest = [authenticateRoute, ...(route.onRequest ? [route.onRequest].flat() : [])];
  });
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
  return { type: "api_key", id: key?.record.id ?? null, ip: request.ip, requestId: request.id };
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
