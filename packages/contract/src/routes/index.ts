/**
 * Every route of both APIs, defined once (see `route.ts`). Plain data that names its schemas, so a
 * browser that imports `@fanfare/contract/routes` carries route definitions, never TypeBox.
 */
export * from "../route.js";
export * from "./alerts.js";
export * from "./audit.js";
export * from "./consumers.js";
export * from "./experiences.js";
export * from "./external.js";
export * from "./keys.js";
export * from "./members.js";
export * from "./orgs.js";
export * from "./otp.js";
export * from "./queue-entries.js";
export * from "./queue-live.js";
export * from "./queues.js";
export * from "./sessions.js";
export * from "./tokens.js";
export * from "./usage.js";
export * from "./webhooks.js";
