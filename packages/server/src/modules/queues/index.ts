/** What other modules may do to queue entries: a guest's places follow its upgrade; erasure forgets devices. */
export { forgetFingerprints, moveEntries } from "./entries-store.js";
