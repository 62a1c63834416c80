/** What other modules may do with queue entries: a consumer's places, and what follows an upgrade or an erasure. */
export { activeEntries, leaveQueue } from "./service.js";
export { forgetFingerprints, moveEntries } from "./store.js";
