import { route } from "../route.js";

const usage = { api: "admin", auth: { kind: "secret", scope: "read:analytics" }, tags: ["Usage"] } as const;

/** Request statistics per key and for the organization (admin API). */
export const getKeyUsage = route({
  ...usage,
  method: "GET",
  path: "/api-keys/:id/usage",
  summary: "An API key's requests over time, by outcome",
  params: "KeyIdParams",
  query: "UsageQuery",
  responses: { 200: "KeyUsage" },
  errors: ["not_found"],
});

export const getOrganizationUsage = route({
  ...usage,
  method: "GET",
  path: "/usage",
  summary: "The organization's requests over time, by outcome and key",
  query: "UsageQuery",
  responses: { 200: "OrganizationUsage" },
});
