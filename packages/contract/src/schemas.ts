/** Every schema of the contract, by name: route definitions refer to them by these names. */
export * from "./alerts.js";
export * from "./audit.js";
export * from "./common.js";
export * from "./consumers.js";
export * from "./dashboard.js";
export * from "./experiences.js";
export * from "./keys.js";
export * from "./orgs.js";
export * from "./otp.js";
export * from "./queue-live.js";
export * from "./queues.js";
export * from "./sessions.js";
export * from "./usage.js";
export * from "./webhooks.js";
