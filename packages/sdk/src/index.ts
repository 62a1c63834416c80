export { Fanfare, type FanfareOptions, type Session } from "./browser-client.js";
export { FanfareError, type FanfareErrorCode } from "./errors.js";
export { FanfareClient, type FanfareClientOptions } from "./server-client.js";
export { localStorageStorage, memoryStorage, type SessionStorage, type StoredSession } from "./storage.js";
export type * from "./types.js";
export { verifyWebhook } from "./webhooks.js";
