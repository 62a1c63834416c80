export type { QueueConsumerState, Session, SessionStorage } from "@fanfare/sdk";
export { Fanfare, FanfareError, localStorageStorage, memoryStorage } from "@fanfare/sdk";
export { FanfareProvider, type FanfareProviderProps, useFanfare } from "./context.js";
export { type UseQueueOptions, type UseQueueResult, useQueue, useSession } from "./hooks.js";
