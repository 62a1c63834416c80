/** What other modules may read of one-time codes: how their deliveries went. */
export { type CodeDeliveryCounts, codeDeliveriesIn, codeDeliveriesSince } from "./store.js";
