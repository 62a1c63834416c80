import * as routes from "@fanfare/contract";
import type { FastifyPluginAsync } from "fastify";
import type { Deps } from "../../deps.js";
import { addRoute } from "../../http/contract-routes.js";
import { decodeCursor, pageOf } from "../../http/pagination.js";
import { isId } from "../../lib/ids.js";
import { actorOf, authOf } from "../access/index.js";
import { createExperience, deleteExperience, readExperience, updateExperience } from "./service.js";
import { type Experience, listExperiences } from "./store.js";

const view = (experience: Experience) => ({ object: "experience" as const, ...experience });

/** Admin API: experiences (drops), in the mode of the key that manages them. */
export function experienceAdminRoutes(deps: Deps): FastifyPluginAsync {
  return async (app) => {
    addRoute(app, routes.createExperience, async (request, reply) => {
      const created = await createExperience(deps, authOf(request).tenant, actorOf(request), request.body);
      return reply.code(201).send(view(created));
    });

    addRoute(app, routes.listExperiences, async (request) => {
      const { experiences, hasNextPage } = await listExperiences(deps.db, authOf(request).tenant, {
        first: request.query.first ?? 20,
        after: decodeCursor(request.query.after, (id) => isId("experience", id)),
      });
      return pageOf(experiences, hasNextPage, view);
    });

    addRoute(app, routes.getExperience, async (request) =>
      view(await readExperience(deps, authOf(request).tenant, request.params.id)),
    );

    addRoute(app, routes.updateExperience, async (request) =>
      view(await updateExperience(deps, authOf(request).tenant, actorOf(request), request.params.id, request.body)),
    );

    addRoute(app, routes.deleteExperience, async (request) => {
      await deleteExperience(deps, authOf(request).tenant, actorOf(request), request.params.id);
      return { id: request.params.id, object: "experience" as const, deleted: true as const };
    });
  };
}

/** Consumer API: the public view of an experience, for browsers with a publishable key. */
export function experienceConsumerRoutes(deps: Deps): FastifyPluginAsync {
  return async (app) => {
    addRoute(app, routes.getPublicExperience, async (request) =>
      view(await readExperience(deps, authOf(request).tenant, request.params.id)),
    );
  };
}
