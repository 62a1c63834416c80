import * as routes from "@fanfare/contract";
import type { FastifyPluginAsync } from "fastify";
import type { Deps } from "../../deps.js";
import { addRoute } from "../../http/contract-routes.js";
import { decodeCursor, pageOf } from "../../http/pagination.js";
import { isId } from "../../lib/ids.js";
import { actorOf, authOf } from "../access/index.js";
import type { AlertRulesPatch } from "./rules.js";
import { acknowledge, alertRules, alertView, changeAlertRules } from "./service.js";
import { listAlerts } from "./store.js";

/** Admin API: alerts about the organization's keys, and the rules that raise them. */
export function alertRoutes(deps: Deps): FastifyPluginAsync {
  return async (app) => {
    addRoute(app, routes.listAlerts, async (request) => {
      const { first, after, status, type } = request.query;
      const { alerts, hasNextPage } = await listAlerts(deps.db, authOf(request).tenant, {
        status,
        type,
        first: first ?? 20,
        after: decodeCursor(after, (id) => isId("alert", id)),
      });
      return pageOf(alerts, hasNextPage, alertView);
    });

    addRoute(app, routes.acknowledgeAlert, async (request) => {
      const acknowledged = await acknowledge(deps, authOf(request).tenant, actorOf(request), request.params.id);
      return alertView(acknowledged);
    });

    addRoute(app, routes.getAlertRules, async (request) => alertRules(deps, authOf(request).tenant.organizationId));

    addRoute(app, routes.changeAlertRules, async (request) =>
      changeAlertRules(deps, authOf(request).tenant, actorOf(request), request.body as AlertRulesPatch),
    );
  };
}
