/**
 * What queue entries use of queues: the queue itself, its window, and its row's counters under a
 * lock; and what metrics read of them: every live-mode queue's places.
 */
export { queueNotFound, queueStatus, requireQueue } from "./service.js";
export {
  adjustCounts,
  advanceQueue,
  lockQueue,
  lockQueueForArrivals,
  type NumbersTaken,
  placesInLiveQueues,
  type QueueCounters,
  type QueueForArrivals,
  type QueuePlaces,
  type QueueWindow,
  readQueueForArrivals,
  takeNumbersIfUnchanged,
} from "./store.js";
