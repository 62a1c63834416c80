/** Who made a request: the authenticated caller, as routes read it. */
export {
  actorOf,
  authenticate,
  authOf,
  consumerOf,
  memberOf,
  presentedAccessToken,
  type RequestAuth,
} from "./authenticate.js";
export { authorizeTokenIn } from "./authorize.js";
