import { request as httpRequest } from "node:http";
import { request as httpsRequest } from "node:https";
import { isIP } from "node:net";
import type { Mode } from "../../db/schema.js";
import type { DestinationPolicy } from "./destination-policy.js";

/**
 * Every way a request can fail, and all a caller (and through it a merchant) learns: no socket
 * error text, which would turn delivery reports into a port scanner.
 */
export type OutboundFailure = "timeout" | "connection_failed" | "http_status" | "refused_address";

export type OutboundResult =
  | { ok: true; status: number }
  | { ok: false; failure: OutboundFailure; status: number | null };

export interface OutboundPost {
  headers: Record<string, string>;
  body: string;
  timeoutMs: number;
  /** Whose delivery this is: test mode may reach loopback outside production. Live by default. */
  mode?: Mode;
}

/** A failed delivery, for callers that throw: its message is the failure word (and status). */
export class OutboundError extends Error {
  constructor(readonly result: Extract<OutboundResult, { ok: false }>) {
    super(result.status === null ? result.failure : `${result.failure} ${result.status}`);
    this.name = "OutboundError";
  }
}

/** Sends the request to `address` only, with the URL's name kept for Host and TLS (SNI, certificate). */
function send(url: URL, address: string, post: OutboundPost, signal: AbortSignal): Promise<number> {
  const hostname = url.hostname.replace(/^\[(.*)\]$/, "$1");
  const request = url.protocol === "https:" ? httpsRequest : httpRequest;
  return new Promise((resolve, reject) => {
    const outgoing = request({
      host: address,
      port: url.port || undefined,
      path: `${url.pathname}${url.search}`,
      method: "POST",
      headers: { ...post.headers, host: url.host, "content-length": String(Buffer.byteLength(post.body)) },
      ...(isIP(hostname) ? {} : { servername: hostname }),
      // No pooling: deliveries are rare, and an idle socket would outlive the check that allowed it.
      agent: false,
      signal,
    });
    outgoing.on("response", (response) => {
      // Only the status matters; the body is never read, so a huge or endless one costs nothing.
      response.destroy();
      resolve(response.statusCode ?? 0);
    });
    outgoing.on("error", reject);
    outgoing.end(post.body);
  });
}

/**
 * The one way the server sends HTTP requests to URLs it was given. Redirects are never followed
 * (a 3xx is an `http_status` failure): a redirect could point anywhere the check above refused.
 */
export class OutboundClient {
  constructor(readonly policy: DestinationPolicy) {}

  async post(url: string, post: OutboundPost): Promise<OutboundResult> {
    const signal = AbortSignal.timeout(post.timeoutMs);
    try {
      const target = new URL(url);
      const address = await this.policy.addressFor(target, signal, post.mode);
      if (!address) return { ok: false, failure: "refused_address", status: null };
      const status = await send(target, address, post, signal);
      if (status >= 200 && status < 300) return { ok: true, status };
      return { ok: false, failure: "http_status", status };
    } catch {
      return { ok: false, failure: signal.aborted ? "timeout" : "connection_failed", status: null };
    }
  }
}
