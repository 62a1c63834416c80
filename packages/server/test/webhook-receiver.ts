import { createServer, type IncomingHttpHeaders, type Server } from "node:http";
import type { AddressInfo } from "node:net";

export interface Received {
  headers: IncomingHttpHeaders;
  body: string;
}

/** A real HTTP server standing in for a merchant's webhook endpoint; answers with `status` and `headers`. */
export class WebhookReceiver {
  readonly received: Received[] = [];
  status = 200;
  /** Sent with every answer, e.g. a `location` for a redirect. */
  headers: Record<string, string> = {};
  private server: Server | undefined;

  async start(): Promise<string> {
    this.server = createServer((request, response) => {
      let body = "";
      request.on("data", (chunk) => {
        body += chunk;
      });
      request.on("end", () => {
        this.received.push({ headers: request.headers, body });
        response.writeHead(this.status, this.headers).end();
      });
    });
    await new Promise<void>((resolve) => this.server?.listen(0, "127.0.0.1", resolve));
    return `http://127.0.0.1:${(this.server.address() as AddressInfo).port}/hooks`;
  }

  async stop(): Promise<void> {
    await new Promise((resolve) => this.server?.close(resolve));
  }
}

/** Receivers listen on loopback, which the server reaches only when the operator allowlists it. */
export const LOOPBACK_ALLOWED = { FANFARE_OUTBOUND_ALLOW_CIDRS: "127.0.0.1/32" };
