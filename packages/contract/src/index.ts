/**
 * The public shapes of the Fanfare APIs. The server validates and serialises with these
 * schemas and the SDKs derive their types from them, so a change to an API shape breaks the
 * SDK build rather than a customer's integration.
 */
export * from "./alerts.js";
export * from "./common.js";
export * from "./consumers.js";
export * from "./dashboard.js";
export * from "./errors.js";
export * from "./experiences.js";
export * from "./keys.js";
export * from "./queues.js";
export * from "./sessions.js";
export * from "./usage.js";
export * from "./webhooks.js";
