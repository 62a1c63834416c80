/**
 * What other modules may use of experiences. Queues check their experience through here, never
 * through the experiences service (which itself deletes an experience's queues: no circle).
 */
export { requireExperience } from "./lookup.js";
