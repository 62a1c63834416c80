import { route } from "../route.js";

const webhooks = { api: "admin", auth: { kind: "secret", scope: "admin" }, tags: ["Webhooks"] } as const;

/** Webhook endpoints and their deliveries (admin API). */
export const createWebhookEndpoint = route({
  ...webhooks,
  method: "POST",
  path: "/webhook-endpoints",
  summary: "Register an endpoint; the signing secret is shown once",
  body: "CreateWebhookEndpointBody",
  responses: { 201: "WebhookEndpointWithSecret" },
});

export const listWebhookEndpoints = route({
  ...webhooks,
  method: "GET",
  path: "/webhook-endpoints",
  summary: "List webhook endpoints",
  responses: { 200: "WebhookEndpointList" },
});

export const getWebhookEndpoint = route({
  ...webhooks,
  method: "GET",
  path: "/webhook-endpoints/:id",
  summary: "Get a webhook endpoint",
  params: "IdParams",
  responses: { 200: "WebhookEndpointView" },
  errors: ["not_found"],
});

export const listWebhookDeliveries = route({
  ...webhooks,
  method: "GET",
  path: "/webhook-endpoints/:id/deliveries",
  summary: "The latest 100 deliveries to the endpoint and how they went",
  params: "IdParams",
  responses: { 200: "WebhookDeliveryList" },
  errors: ["not_found"],
});

export const sendWebhookTestEvent = route({
  ...webhooks,
  method: "POST",
  path: "/webhook-endpoints/:id/test",
  summary: "Send a signed webhook.test event to the endpoint",
  description:
    "Queues a `webhook.test` event for this endpoint only, whatever events it subscribed to, and answers 202 " +
    "with its delivery: signed, retried and listed in the endpoint's deliveries like any other.",
  params: "IdParams",
  responses: { 202: "WebhookDeliveryView" },
  errors: ["not_found"],
});

export const deleteWebhookEndpoint = route({
  ...webhooks,
  method: "DELETE",
  path: "/webhook-endpoints/:id",
  summary: "Delete a webhook endpoint",
  params: "IdParams",
  responses: { 200: "DeletedWebhookEndpoint" },
  errors: ["not_found"],
});
