import type { Route, RouteDefinition, RouteOutput, SchemaName, StaticOf } from "@fanfare/contract";
import * as contract from "@fanfare/contract";
import type { FastifyInstance, FastifyReply, FastifyRequest } from "fastify";
import type { TSchema } from "typebox";

declare module "fastify" {
  interface FastifyContextConfig {
    /** The API whose port serves the route, from its definition (checked when the app is built). */
    api?: RouteDefinition["api"];
    /** The route takes a credential's power away (see `RouteDefinition.revokes`). */
    revokes?: true;
  }
}

type Parsed<N> = N extends SchemaName ? StaticOf<N> : undefined;

/** A request to route `D`, its params, query and body typed by the route's schemas. */
export type RouteRequest<D extends RouteDefinition> = FastifyRequest<{
  Params: Parsed<D["params"]>;
  Querystring: Parsed<D["query"]>;
  Body: Parsed<D["body"]>;
}>;

/** Answers with the body of one of the route's success statuses, or sends the reply itself. */
export type RouteHandler<D extends RouteDefinition> = (
  request: RouteRequest<D>,
  reply: FastifyReply,
) => Promise<RouteOutput<D> | FastifyReply>;

const SCHEMAS = new Map<string, unknown>(Object.entries(contract));

function schemaOf(name: SchemaName): TSchema {
  return SCHEMAS.get(name) as TSchema;
}

/** Work a route does at a fixed point of the request, beside its handler. */
export interface RouteHooks<D extends RouteDefinition> {
  /** Once the credential is verified and before the body is read: what the request found on arrival. */
  preParsing?: (request: RouteRequest<D>) => Promise<void>;
}

/**
 * Registers a route from its contract definition: path, schemas (validation, serialisation and
 * the OpenAPI document), credential and declared errors all come from the one object.
 */
export function addRoute<D extends RouteDefinition>(
  app: FastifyInstance,
  route: Route<D>,
  handler: RouteHandler<D>,
  hooks: RouteHooks<D> = {},
): void {
  // A stream's events are documented under their own media type; the handler writes them itself.
  const documented = (name: SchemaName) =>
    route.stream ? { content: { "text/event-stream": { schema: schemaOf(name) } } } : schemaOf(name);
  const response = Object.fromEntries(
    Object.entries(route.responses).map(([status, name]) => [status, documented(name as SchemaName)]),
  );
  app.route({
    method: route.method,
    url: route.path,
    config: {
      api: route.api,
      auth: route.auth,
      ...(route.errors ? { errors: route.errors } : {}),
      ...(route.revokes ? { revokes: true as const } : {}),
    },
    schema: {
      operationId: route.operationId,
      summary: route.summary,
      ...(route.description ? { description: route.description } : {}),
      tags: [...route.tags],
      ...(route.params ? { params: schemaOf(route.params) } : {}),
      ...(route.query ? { querystring: schemaOf(route.query) } : {}),
      ...(route.body ? { body: schemaOf(route.body) } : {}),
      response,
    },
    handler: handler as (request: FastifyRequest, reply: FastifyReply) => Promise<unknown>,
    ...(hooks.preParsing ? { preParsing: hooks.preParsing as (request: FastifyRequest) => Promise<void> } : {}),
  });
}

/**
 * Refuses, when the app is built, an API route that is not registered from a contract definition
 * (so none can drift from what the SDKs and the OpenAPI document say), or whose definition
 * belongs to the other API's port.
 */
export function servesOnly(app: FastifyInstance, api: RouteDefinition["api"], prefix: string): void {
  app.addHook("onRoute", (route) => {
    if (!route.url.startsWith(`${prefix}/`)) return;
    const declared = route.config?.api;
    const name = `${[route.method].flat().join(",")} ${route.url}`;
    if (!declared) throw new Error(`${name} is not registered from a contract route (addRoute)`);
    if (declared !== api) throw new Error(`${name} is defined for the ${declared} API, not the ${api} API`);
  });
}
