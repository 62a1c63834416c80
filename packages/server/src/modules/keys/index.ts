/** What other modules may read of API keys (usage statistics name and list them). */
export { getKey, listKeys } from "./store.js";
