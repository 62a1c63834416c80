/**
 * The public shapes of the Fanfare APIs. Every route is defined once here (`routes/`), with the
 * schemas the server validates and serialises with; the SDKs call the same definitions and derive
 * their types from the same schemas, so a change to an API shape breaks the SDK build rather than
 * a customer's integration.
 */
export * from "./errors.js";
export * from "./routes/index.js";
export * from "./schemas.js";
