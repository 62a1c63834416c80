import { route } from "../route.js";

const tags = ["Alerts"];
const read = { api: "admin", auth: { kind: "secret", scope: "read:analytics" }, tags } as const;
const write = { api: "admin", auth: { kind: "secret", scope: "admin" }, tags } as const;

/** Alerts and the rules that raise them (admin API). */
export const listAlerts = route({
  ...read,
  method: "GET",
  path: "/alerts",
  summary: "List alerts",
  query: "AlertListQuery",
  responses: { 200: "AlertPage" },
});

export const acknowledgeAlert = route({
  ...write,
  method: "PATCH",
  path: "/alerts/:id",
  summary: "Acknowledge an alert",
  params: "IdParams",
  body: "AcknowledgeAlertBody",
  responses: { 200: "AlertView" },
  errors: ["not_found"],
});

export const getAlertRules = route({
  ...read,
  method: "GET",
  path: "/alert-rules",
  summary: "The rules that raise alerts",
  responses: { 200: "AlertRulesSchema" },
});

export const changeAlertRules = route({
  ...write,
  method: "PUT",
  path: "/alert-rules",
  summary: "Change any rule or field; the rest keep their values",
  body: "AlertRulesChange",
  responses: { 200: "AlertRulesSchema" },
});
