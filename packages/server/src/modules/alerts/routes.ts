import {
  AlertRulesChange,
  AlertRulesSchema,
  AlertStatus,
  AlertType,
  AlertView,
  IdParams,
  Page,
  PageQuery,
} from "@fanfare/contract";
import type { FastifyPluginAsyncTypebox } from "@fastify/type-provider-typebox";
import { Type } from "typebox";
import type { Deps } from "../../deps.js";
import { decodeCursor, pageOf } from "../../http/pagination.js";
import { isoAt } from "../../lib/clock.js";
import { isId } from "../../lib/ids.js";
import { actorOf, authOf } from "../access/index.js";
import type { AlertRulesPatch } from "./rules.js";
import { alertRules, alertView, changeAlertRules, requireAlert } from "./service.js";
import { acknowledgeAlert, listAlerts } from "./store.js";

const read = { auth: { kind: "secret", scope: "read:analytics" } } as const;
const write = { auth: { kind: "secret", scope: "admin" } } as const;
const tags = ["Alerts"];

/** Admin API: alerts about the organization's keys, and the rules that raise them. */
export function alertRoutes(deps: Deps): FastifyPluginAsyncTypebox {
  return async (app) => {
    app.get(
      "/alerts",
      {
        config: read,
        schema: {
          summary: "List alerts",
          tags,
          querystring: Type.Object(
            { ...PageQuery, status: Type.Optional(AlertStatus), type: Type.Optional(AlertType) },
            { additionalProperties: false },
          ),
          response: { 200: Page(AlertView) },
        },
      },
      async (request) => {
        const { first, after, status, type } = request.query;
        const { alerts, hasNextPage } = await listAlerts(deps.db, authOf(request).tenant, {
          status,
          type,
          first: first ?? 20,
          after: decodeCursor(after, (id) => isId("alert", id)),
        });
        return pageOf(alerts, hasNextPage, alertView);
      },
    );

    app.patch(
      "/alerts/:id",
      {
        config: { ...write, errors: ["not_found"] as const },
        schema: {
          tags,
          summary: "Acknowledge an alert",
          params: IdParams,
          body: Type.Object({ acknowledged: Type.Literal(true) }, { additionalProperties: false }),
          response: { 200: AlertView },
        },
      },
      async (request) => {
        const { tenant } = authOf(request);
        await requireAlert(deps, tenant, request.params.id);
        await acknowledgeAlert(deps.db, tenant, request.params.id, isoAt(deps.clock.now()));
        return alertView(await requireAlert(deps, tenant, request.params.id));
      },
    );

    app.get(
      "/alert-rules",
      { config: read, schema: { summary: "The rules that raise alerts", tags, response: { 200: AlertRulesSchema } } },
      async (request) => alertRules(deps, authOf(request).tenant.organizationId),
    );

    app.put(
      "/alert-rules",
      {
        config: write,
        schema: {
          tags,
          summary: "Change any rule or field; the rest keep their values",
          body: AlertRulesChange,
          response: { 200: AlertRulesSchema },
        },
      },
      async (request) =>
        changeAlertRules(deps, authOf(request).tenant, actorOf(request), request.body as AlertRulesPatch),
    );
  };
}
