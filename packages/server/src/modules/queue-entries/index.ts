/**
 * The line: queue entries, departures and the queue row's counters are owned here. What other
 * modules may do with it: a consumer's places, what follows an upgrade or an erasure, the control
 * room's admissions, denials and reads (audited, as every merchant move), and metrics' counts.
 */
export { countsByStatus, extendRunningAdmissions, nextInLine } from "./control-room.js";
export { placesInLiveQueues, type QueuePlaces } from "./line-counters.js";
export { activeEntries, admitNext, denyConsumer, leaveQueue } from "./service.js";
export { forgetFingerprints, moveEntries } from "./store.js";
