/**
 * What other modules may do with queue entries: a consumer's places, what follows an upgrade or
 * an erasure, and the control room's admissions and denials (audited, as every merchant move).
 */
export { activeEntries, admitNext, denyConsumer, leaveQueue } from "./service.js";
export { forgetFingerprints, moveEntries } from "./store.js";
