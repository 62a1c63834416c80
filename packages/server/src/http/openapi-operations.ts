import type { RouteAuth } from "@fanfare/contract";
import { ERRORS, type ErrorCode, MANAGEMENT_SCOPE } from "@fanfare/contract";
import type { FastifySchema, RouteOptions } from "fastify";
import { changesState } from "../lib/http-methods.js";

/*
 * What the OpenAPI document says of each operation beyond its schemas, derived from what the
 * server itself enforces, so the document cannot drift from it: the security requirement from the
 * route's `config.auth`, the error responses from its auth, its schemas and its `config.errors`,
 * and an operationId from its method and path.
 */

declare module "fastify" {
  interface FastifyContextConfig {
    /** Errors this route raises beyond those its auth and schemas imply (`queue_full`, say). */
    errors?: readonly ErrorCode[];
  }
}

type SecurityRequirement = Record<string, string[]>;

function securityOf(auth: RouteAuth, acceptsMembers: boolean): SecurityRequirement[] {
  switch (auth.kind) {
    case "none":
      return [];
    case "secret":
      return acceptsMembers ? [{ SecretKey: [] }, { DashboardSession: [] }] : [{ SecretKey: [] }];
    case "publishable":
      return [{ PublishableKey: [] }, { SecretKey: [] }];
    case "consumer":
      return [{ ConsumerToken: [] }, { ConsumerToken: [], PublishableKey: [] }];
    case "member":
      return [{ DashboardSession: [] }];
  }
}

const KEY_ERRORS: ErrorCode[] = [
  "authentication_required",
  "invalid_api_key",
  "api_key_inactive",
  "api_key_expired",
  "api_key_in_query",
  "ip_not_allowed",
  "rate_limit_exceeded",
];

const AUTH_ERRORS: Record<RouteAuth["kind"], ErrorCode[]> = {
  none: [],
  secret: [...KEY_ERRORS, "secret_key_required", "permission_denied"],
  publishable: [...KEY_ERRORS, "origin_not_allowed"],
  consumer: [
    "authentication_required",
    "invalid_token",
    "token_expired",
    "invalid_api_key",
    "origin_not_allowed",
    "rate_limit_exceeded",
  ],
  member: ["authentication_required", "permission_denied", "rate_limit_exceeded"],
};

/** Every error the route can answer, in catalog order. */
export function errorCodesOf(
  method: string,
  schema: FastifySchema | undefined,
  auth: RouteAuth,
  acceptsMembers: boolean,
  declared: readonly ErrorCode[] = [],
): ErrorCode[] {
  const codes = new Set<ErrorCode>([...AUTH_ERRORS[auth.kind], ...declared, "internal_error"]);
  // Any route can meet an unreachable database, a failing disk or (when limited) an unreachable limiter.
  for (const code of ["database_unavailable", "storage_unavailable", "service_unavailable"] as const) codes.add(code);
  if (auth.kind !== "none") codes.add("https_required");
  // The access module refuses a regenerated key's previous value on every route needing this scope.
  if (auth.kind === "secret" && auth.scope === MANAGEMENT_SCOPE) codes.add("key_rotating");
  const memberMayCall = auth.kind === "member" || (auth.kind === "secret" && acceptsMembers);
  // The CSRF rule the access module enforces, documented on the same methods.
  if (memberMayCall && changesState(method)) codes.add("csrf_token_invalid");
  if (schema?.params || schema?.querystring || schema?.body) codes.add("validation_error");
  if (schema?.body) {
    for (const code of ["invalid_json", "unsupported_media_type", "payload_too_large", "bad_request"] as const) {
      codes.add(code);
    }
  }
  return (Object.keys(ERRORS) as ErrorCode[]).filter((code) => codes.has(code));
}

/** One response per status: the body's `error` is one of its codes' fields; each code is described. */
export function errorResponsesOf(codes: readonly ErrorCode[]): Record<string, object> {
  const byStatus = new Map<number, ErrorCode[]>();
  for (const code of codes) {
    const { status } = ERRORS[code];
    byStatus.set(status, [...(byStatus.get(status) ?? []), code]);
  }
  const responses: Record<string, object> = {};
  for (const [status, sameStatus] of byStatus) {
    responses[String(status)] = {
      description: sameStatus.map((code) => `\`${code}\`: ${ERRORS[code].when}`).join("\n\n"),
      type: "object",
      required: ["error"],
      properties: {
        error: { type: "string", enum: [...new Set(sameStatus.map((code) => ERRORS[code].error))] },
        message: { type: "string" },
      },
      additionalProperties: true,
      "x-fanfare-error-codes": sameStatus,
    };
  }
  return responses;
}

/** `GET /api/v1/experiences/:id` → `getExperiencesById`: unique, since method and path are. */
export function operationIdOf(method: string, url: string, prefix: string): string {
  const words = url
    .slice(url.startsWith(prefix) ? prefix.length : 0)
    .split("/")
    .filter(Boolean)
    .flatMap((segment) => (segment.startsWith(":") ? ["by", segment.slice(1)] : segment.split(/[-_.]/)))
    .filter(Boolean);
  return [method.toLowerCase(), ...words.map((word) => word[0]?.toUpperCase() + word.slice(1))].join("");
}

/** @fastify/swagger's `transform`: the route's schema as documented (what is served is unchanged). */
export function documentOperation(prefix: string, acceptsMembers: boolean) {
  return ({ schema, url, route }: { schema: FastifySchema | undefined; url: string; route: RouteOptions }) => {
    const auth = route.config?.auth;
    if (!auth || !url.startsWith(prefix)) return { schema: schema ?? {}, url };
    const method = [route.method].flat()[0] as string;
    // A route may have no schema at all.
    const documented = (schema ?? {}) as FastifySchema & { response?: Record<string, unknown>; operationId?: string };
    const codes = errorCodesOf(method, schema, auth, acceptsMembers, route.config?.errors);
    return {
      url,
      schema: {
        ...documented,
        operationId: documented.operationId ?? operationIdOf(method, url, prefix),
        security: securityOf(auth, acceptsMembers),
        response: { ...documented.response, ...errorResponsesOf(codes) },
      },
    };
  };
}
