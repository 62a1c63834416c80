import * as routes from "@fanfare/contract";
import type { FastifyRequest } from "fastify";
import type { Deps } from "../../deps.js";
import { AppError } from "../../http/errors.js";
import { authenticate } from "../access/index.js";

/** Whether the credential that opened a stream still holds; throws when that cannot be told (a database down). */
export type CredentialCheck = () => Promise<boolean>;

/**
 * Proves a stream's credential again exactly as its opening request was proved: the same
 * headers through the same authentication and authorization — the key still active, not
 * deleted or expired, still holding the permission; the member still a member whose role may
 * read, their session not signed out or expired. Only a refusal (401, 403) ends the stream.
 */
export function credentialCheck(deps: Deps, request: FastifyRequest): CredentialCheck {
  const { headers, method, ip } = request;
  return async () => {
    const again = { headers, method, ip, identity: {}, auth: null } as unknown as FastifyRequest;
    try {
      await authenticate(deps, again, routes.streamQueueLive.auth, true);
      return true;
    } catch (err) {
      if (err instanceof AppError && (err.status === 401 || err.status === 403)) return false;
      throw err;
    }
  };
}
