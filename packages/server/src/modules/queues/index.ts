/** What queue entries use of queues: the queue itself, its window, and its row's counters under a lock. */
export { type QueueWindow, queueNotFound, queueStatus, requireQueue } from "./service.js";
export { adjustCounts, advanceQueue, lockQueue, lockQueueForArrivals, type QueueCounters } from "./store.js";
