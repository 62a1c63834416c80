import { route } from "../route.js";

/**
 * The origins test mode allows while the organization has set none of its own
 * (`testAllowedOrigins: null`): a developer's machine, on any port. Plain data, here with the
 * routes, so the dashboard can show it without the schemas.
 */
export const TEST_MODE_DEFAULT_ORIGINS: readonly string[] = ["http://localhost:*", "http://127.0.0.1:*"];

const tags = ["Organization"];
const admin = { api: "admin", auth: { kind: "secret", scope: "admin" }, tags } as const;

/** The organization's own settings (admin API), and what a client integration may know of it (consumer API). */
export const getOrganization = route({
  ...admin,
  method: "GET",
  path: "/organization",
  summary: "The organization and its settings",
  responses: { 200: "OrganizationView" },
});

export const updateOrganization = route({
  ...admin,
  method: "PATCH",
  path: "/organization",
  summary: "Change the organization's settings",
  body: "OrganizationPatch",
  responses: { 200: "OrganizationView" },
  errors: ["live_key_required"],
});

export const getCurrentOrganization = route({
  api: "consumer",
  auth: { kind: "publishable" },
  tags,
  method: "GET",
  path: "/organizations/current",
  summary: "The organization of the publishable key: its name and public settings",
  responses: { 200: "PublicOrganization" },
});
