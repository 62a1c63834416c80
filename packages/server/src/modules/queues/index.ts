/** What queue entries use of queues: the queue itself, its window, and its row's counters under a lock. */
export { queueNotFound, queueStatus, requireQueue } from "./service.js";
export {
  adjustCounts,
  advanceQueue,
  lockQueue,
  lockQueueForArrivals,
  type NumbersTaken,
  type QueueCounters,
  type QueueForArrivals,
  type QueueWindow,
  readQueueForArrivals,
  takeNumbersIfUnchanged,
} from "./store.js";
