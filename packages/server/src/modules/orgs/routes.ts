import * as routes from "@fanfare/contract";
import type { FastifyPluginAsync } from "fastify";
import type { Deps } from "../../deps.js";
import { addRoute } from "../../http/contract-routes.js";
import { errors } from "../../http/errors.js";
import { actorOf, authOf } from "../access/index.js";
import { publicSettings, updateOrganizationSettings } from "./service.js";
import type { Organization } from "./store.js";

function view(organization: Organization, otpWebhookSecret?: string) {
  return {
    object: "organization" as const,
    ...publicSettings(organization),
    ...(otpWebhookSecret ? { otpWebhookSecret } : {}),
  };
}

/** Admin API: the organization's own settings. */
export function organizationAdminRoutes(deps: Deps): FastifyPluginAsync {
  return async (app) => {
    addRoute(app, routes.getOrganization, async (request) => {
      const organization = await deps.organizations.get(authOf(request).tenant.organizationId);
      if (!organization) throw errors.resourceNotFound("Organization");
      return view(organization);
    });

    addRoute(app, routes.updateOrganization, async (request) => {
      const { tenant } = authOf(request);
      const updated = await updateOrganizationSettings(deps, tenant, actorOf(request), request.body);
      return view(updated.organization, updated.otpWebhookSecret);
    });
  };
}

/** Consumer API: what a client integration may know about the organization behind its key. */
export function organizationConsumerRoutes(deps: Deps): FastifyPluginAsync {
  return async (app) => {
    addRoute(app, routes.getCurrentOrganization, async (request) => {
      const { tenant } = authOf(request);
      const organization = await deps.organizations.get(tenant.organizationId);
      if (!organization) throw errors.resourceNotFound("Organization");
      return {
        id: organization.id,
        object: "organization" as const,
        name: organization.name,
        slug: organization.slug,
        mode: tenant.mode,
      };
    });
  };
}
