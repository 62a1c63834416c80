export * as routes from "@fanfare/contract/routes";
export { Fanfare, type FanfareOptions, type Session } from "./browser-client.js";
export { FanfareError, type FanfareErrorCode } from "./errors.js";
export { Http, type HttpOptions, type RequestSpec } from "./http.js";
export { FanfareClient, type FanfareClientOptions } from "./server-client.js";
export { localStorageStorage, memoryStorage, type SessionStorage, type StoredSession } from "./storage.js";
export type * from "./types.js";
export { verifyWebhook } from "./webhooks.js";
