import type { Static, TSchema } from "typebox";
import type { ErrorCode } from "./errors.js";
import type { SecretScope } from "./keys.js";
import type * as Schemas from "./schemas.js";

/*
 * Every route of both APIs is defined once, here, as plain data: method, path, API, credential,
 * the names of its schemas, its success statuses and the errors it raises beyond those its
 * credential and schemas imply. The server registers its routes from these objects (validation,
 * serialisation, authentication and OpenAPI all read them), and the SDKs call them through one
 * typed `call(route, input)`. Schemas are named, not embedded, so that a browser bundle that
 * calls a route carries a few strings instead of the schema library.
 */

/**
 * What a route accepts. Every `/api/v1` route declares one (the server checks when it builds the
 * app), so a route cannot ship unauthenticated by omission.
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

type Exports = typeof Schemas;
/** The name of a schema the contract exports. */
export type SchemaName = { [K in keyof Exports]: Exports[K] extends TSchema ? K : never }[keyof Exports];
/** The type a named schema validates. */
export type StaticOf<N extends SchemaName> = Static<Exports[N]>;

export type HttpMethod = "GET" | "POST" | "PATCH" | "PUT" | "DELETE";
export type SuccessStatus = 200 | 201 | 202 | 204;

export interface RouteDefinition {
  method: HttpMethod;
  /** Below `/api/v1`, with `:name` for each path parameter. */
  path: string;
  /** The port that serves it: the consumer API (4000) or the admin API (4001). */
  api: "consumer" | "admin";
  auth: RouteAuth;
  summary: string;
  description?: string;
  tags: readonly string[];
  params?: SchemaName;
  query?: SchemaName;
  body?: SchemaName;
  /** Each success status with its body's schema (`NoContent` for 204). */
  responses: Partial<Record<SuccessStatus, SchemaName>>;
  /** Errors this route raises beyond those its credential and schemas imply (`queue_full`, say). */
  errors?: readonly ErrorCode[];
  /** Answers `text/event-stream` (Server-Sent Events): each event's data is its success schema. */
  stream?: true;
  /**
   * Takes power away from a credential (deactivates or deletes a key, ends sessions, removes a
   * member): counted against the plan like any route, but never refused because the shared rate
   * limiter is unreachable (`FANFARE_RATE_LIMIT_FAILURE_MODE=closed`), so a leaked key can always
   * be stopped.
   */
  revokes?: true;
}

export type Route<D extends RouteDefinition = RouteDefinition> = D & { operationId: string };

/** `POST /queues/:id/enter` → `postQueuesByIdEnter`: unique, since method and path are. */
export function operationIdOf(method: string, path: string): string {
  const words = path
    .split("/")
    .filter(Boolean)
    .flatMap((segment) => (segment.startsWith(":") ? ["by", segment.slice(1)] : segment.split(/[-_.]/)))
    .filter(Boolean);
  return [method.toLowerCase(), ...words.map((word) => word[0]?.toUpperCase() + word.slice(1))].join("");
}

/** A route's definition, with its operationId. */
export function route<const D extends RouteDefinition>(definition: D): Route<D> {
  return { ...definition, operationId: operationIdOf(definition.method, definition.path) };
}

// Bracketed conditionals: a generic route is not spread over every schema name.
type Part<N, Key extends string> = [N] extends [SchemaName] ? { [K in Key]: StaticOf<N> } : { [K in Key]?: never };
type BodyPart<N> = [N] extends [SchemaName]
  ? Partial<StaticOf<N>> extends StaticOf<N>
    ? { body?: StaticOf<N> }
    : { body: StaticOf<N> }
  : { body?: never };
type QueryPart<N> = [N] extends [SchemaName] ? { query?: StaticOf<N> } : { query?: never };

/** What a caller sends: the path parameters, query and body the route's schemas describe. */
export type RouteInput<D extends RouteDefinition> = Part<D["params"], "params"> &
  QueryPart<D["query"]> &
  BodyPart<D["body"]>;

/** What a caller gets back: the body of any of the route's success statuses (204: undefined). */
export type RouteOutput<D extends RouteDefinition> = {
  [S in keyof D["responses"]]: S extends 204
    ? undefined
    : [D["responses"][S]] extends [SchemaName]
      ? StaticOf<D["responses"][S] & SchemaName>
      : never;
}[keyof D["responses"]];

/** The route's path with its parameters filled in, each encoded as one path segment. */
export function pathOf(definition: RouteDefinition, params: Record<string, string> | undefined): string {
  return definition.path.replace(/:([A-Za-z]+)/g, (_, name: string) => {
    const value = params?.[name];
    if (value === undefined)
      throw new Error(`${definition.method} ${definition.path} needs the path parameter ${name}`);
    return encodeURIComponent(value);
  });
}
