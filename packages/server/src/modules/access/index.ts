/** Who made a request: the authenticated caller, as routes read it. */
export {
  actorOf,
  authenticate,
  authOf,
  consumerOf,
  invalidToken,
  memberOf,
  presentedAccessToken,
  type RequestAuth,
} from "./authenticate.js";
