import {
  CreateExperienceBody,
  Deleted,
  ExperiencePublicView,
  ExperienceView,
  IdParams,
  Page,
  PageQuery,
  UpdateExperienceBody,
} from "@fanfare/contract";
import type { FastifyPluginAsyncTypebox } from "@fastify/type-provider-typebox";
import { Type } from "typebox";
import type { Deps } from "../../deps.js";
import { decodeCursor, pageOf } from "../../http/pagination.js";
import { isId } from "../../lib/ids.js";
import { actorOf, authOf } from "../access/index.js";
import { createExperience, deleteExperience, readExperience, updateExperience } from "./service.js";
import { type Experience, listExperiences } from "./store.js";

const view = (experience: Experience) => ({ object: "experience" as const, ...experience });
const read = { auth: { kind: "secret", scope: "read:experiences" } } as const;
const write = { auth: { kind: "secret", scope: "write:experiences" } } as const;
const tags = ["Experiences"];

/** Admin API: experiences (drops), in the mode of the key that manages them. */
export function experienceAdminRoutes(deps: Deps): FastifyPluginAsyncTypebox {
  return async (app) => {
    app.post(
      "/experiences",
      {
        config: write,
        schema: {
          summary: "Create an experience (a drop)",
          tags,
          body: CreateExperienceBody,
          response: { 201: ExperienceView },
        },
      },
      async (request, reply) => {
        const created = await createExperience(deps, authOf(request).tenant, actorOf(request), request.body);
        return reply.code(201).send(view(created));
      },
    );

    app.get(
      "/experiences",
      {
        config: read,
        schema: {
          summary: "List experiences",
          tags,
          querystring: Type.Object(PageQuery, { additionalProperties: false }),
          response: { 200: Page(ExperienceView) },
        },
      },
      async (request) => {
        const { experiences, hasNextPage } = await listExperiences(deps.db, authOf(request).tenant, {
          first: request.query.first ?? 20,
          after: decodeCursor(request.query.after, (id) => isId("experience", id)),
        });
        return pageOf(experiences, hasNextPage, view);
      },
    );

    app.get(
      "/experiences/:id",
      {
        config: { ...read, errors: ["experience_not_found"] as const },
        schema: { summary: "Get an experience", tags, params: IdParams, response: { 200: ExperienceView } },
      },
      async (request) => view(await readExperience(deps, authOf(request).tenant, request.params.id)),
    );

    app.patch(
      "/experiences/:id",
      {
        config: { ...write, errors: ["experience_not_found"] as const },
        schema: {
          summary: "Change an experience",
          tags,
          params: IdParams,
          body: UpdateExperienceBody,
          response: { 200: ExperienceView },
        },
      },
      async (request) =>
        view(await updateExperience(deps, authOf(request).tenant, actorOf(request), request.params.id, request.body)),
    );

    app.delete(
      "/experiences/:id",
      {
        config: { ...write, errors: ["experience_not_found"] as const },
        schema: {
          summary: "Delete an experience and its queues",
          tags,
          params: IdParams,
          response: { 200: Deleted("experience") },
        },
      },
      async (request) => {
        await deleteExperience(deps, authOf(request).tenant, actorOf(request), request.params.id);
        return { id: request.params.id, object: "experience" as const, deleted: true as const };
      },
    );
  };
}

/** Consumer API: the public view of an experience, for browsers with a publishable key. */
export function experienceConsumerRoutes(deps: Deps): FastifyPluginAsyncTypebox {
  return async (app) => {
    app.get(
      "/experiences/:id",
      {
        config: { auth: { kind: "publishable" } },
        schema: {
          summary: "An experience's public view (name and times)",
          tags,
          params: IdParams,
          response: {
            200: ExperiencePublicView,
          },
        },
      },
      async (request) => view(await readExperience(deps, authOf(request).tenant, request.params.id)),
    );
  };
}
