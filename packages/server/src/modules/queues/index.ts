/** What the line (queue entries) uses of a queue's definition: the queue itself and its window. */
export { queueNotFound, queueStatus, requireQueue } from "./service.js";
export type { QueueWindow } from "./store.js";
