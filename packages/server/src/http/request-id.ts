import type { IncomingMessage } from "node:http";
import { newId } from "../lib/ids.js";

const INCOMING_ID = /^req_[0-9A-Za-z]{8,64}$/;

/** Reuses a well-formed incoming `X-Request-Id` (so a caller can trace across hops), else mints one. */
export function requestIdFor(request: IncomingMessage): string {
  const incoming = request.headers["x-request-id"];
  return typeof incoming === "string" && INCOMING_ID.test(incoming) ? incoming : newId("request");
}
