/** What other modules may use of consumers' storage: reads and writes that belong to their flows. */
export {
  backfillProfile,
  type Consumer,
  getConsumer,
  insertConsumer,
  insertConsumers,
  type ProfileClaims,
} from "./store.js";
