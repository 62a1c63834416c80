/**
 * What other modules may do with queue entries: a consumer's places, what follows an upgrade or
 * an erasure, and the control room's admissions and denials (in its audited transaction).
 */
export { activeEntries, admitNext, denyConsumer, type InTransaction, leaveQueue } from "./service.js";
export { forgetFingerprints, moveEntries } from "./store.js";
