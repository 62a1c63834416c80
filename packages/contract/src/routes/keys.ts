import { route } from "../route.js";

const keys = { api: "admin", auth: { kind: "secret", scope: "admin" }, tags: ["API keys"] } as const;

/** API keys: created, listed, changed, regenerated, switched off and on, deleted (admin API). */
export const createApiKey = route({
  ...keys,
  method: "POST",
  path: "/api-keys",
  summary: "Create an API key (its full key is shown once)",
  body: "CreateApiKeyBody",
  responses: { 201: "ApiKeyWithSecret" },
});

export const listApiKeys = route({
  ...keys,
  method: "GET",
  path: "/api-keys",
  summary: "List API keys",
  query: "ListApiKeysQuery",
  responses: { 200: "ApiKeyPage" },
});

export const getApiKey = route({
  ...keys,
  method: "GET",
  path: "/api-keys/:id",
  summary: "Get an API key",
  params: "KeyIdParams",
  responses: { 200: "ApiKeyView" },
  errors: ["not_found"],
});

export const updateApiKey = route({
  ...keys,
  method: "PATCH",
  path: "/api-keys/:id",
  summary: "Change an API key's name, permissions, expiry or networks",
  params: "KeyIdParams",
  body: "UpdateApiKeyBody",
  responses: { 200: "ApiKeyView" },
  errors: ["not_found"],
});

export const regenerateApiKey = route({
  ...keys,
  method: "POST",
  path: "/api-keys/:id/regenerate",
  summary: "Replace an API key, the old one working for a grace period",
  description:
    "During the grace period the old value keeps the key's data permissions only: on routes that need `admin` " +
    "(keys, webhooks, settings, alert rules, the audit log) it gets 403 `key_rotating`. Of two concurrent " +
    "regenerations one wins; the other gets 409 `key_regeneration_conflict` and changes nothing.",
  params: "KeyIdParams",
  body: "RegenerateBody",
  responses: { 200: "ApiKeyWithSecret" },
  errors: ["not_found", "conflict", "key_regeneration_conflict"],
});

export const deactivateApiKey = route({
  ...keys,
  method: "POST",
  path: "/api-keys/:id/deactivate",
  summary: "Stop an API key from working until it is activated",
  params: "KeyIdParams",
  responses: { 200: "ApiKeyView" },
  errors: ["not_found"],
  revokes: true,
});

export const activateApiKey = route({
  ...keys,
  method: "POST",
  path: "/api-keys/:id/activate",
  summary: "Let a deactivated API key work again",
  params: "KeyIdParams",
  responses: { 200: "ApiKeyView" },
  errors: ["not_found"],
});

export const deleteApiKey = route({
  ...keys,
  method: "DELETE",
  path: "/api-keys/:id",
  summary: "Delete an API key",
  params: "KeyIdParams",
  responses: { 200: "DeletedApiKey" },
  errors: ["not_found"],
  revokes: true,
});
