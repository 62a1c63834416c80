import type { IncomingMessage, ServerOptions } from "node:http";
import type { Socket } from "node:net";
import type { FastifyInstance, FastifyServerOptions } from "fastify";

/** An idle keep-alive connection is closed after this. */
const KEEP_ALIVE_IDLE_MS = 72_000;

/**
 * Node's own limits on receiving a request, tightened: headers and body must both have arrived
 * within `requestTimeoutMs` of the request's start, checked every second (Node's default check
 * runs every 30 s). A publishable key is public, so anybody could otherwise hold a connection
 * open forever by trickling a declared body.
 */
export function requestReceiveLimits(requestTimeoutMs: number): ServerOptions {
  return {
    requestTimeout: requestTimeoutMs,
    headersTimeout: requestTimeoutMs,
    connectionsCheckingInterval: Math.min(1000, requestTimeoutMs),
    // Fastify's default for its own servers, here for the HTTPS one too (Node's is 5 s).
    keepAliveTimeout: KEEP_ALIVE_IDLE_MS,
  };
}

const REQUEST_TIMEOUT_BODY = JSON.stringify({
  error: "request_timeout",
  message: "The request was not received in time: send its headers and body without pausing.",
});

/**
 * The answer to a request that broke the receive limits or HTTP itself, in the documented error
 * shape (Fastify's default writes its own), then the connection closes.
 */
export const answerClientError: NonNullable<FastifyServerOptions["clientErrorHandler"]> = (err, socket) => {
  const code = (err as { code?: string }).code;
  if (code === "ECONNRESET" || socket.destroyed) return;
  const [status, body] =
    code === "ERR_HTTP_REQUEST_TIMEOUT"
      ? ["408 Request Timeout", REQUEST_TIMEOUT_BODY]
      : code === "HPE_HEADER_OVERFLOW"
        ? [
            "431 Request Header Fields Too Large",
            JSON.stringify({ error: "headers_too_large", message: "The request headers are too large." }),
          ]
        : ["400 Bad Request", JSON.stringify({ error: "bad_request", message: "The request is not valid HTTP." })];
  if (socket.writable) {
    socket.write(
      `HTTP/1.1 ${status}\r\nContent-Type: application/json; charset=utf-8\r\nContent-Length: ${Buffer.byteLength(body)}\r\nConnection: close\r\n\r\n${body}`,
    );
  }
  socket.destroy();
};

/** A request whose body is still arriving when shutdown starts gets this long to finish sending it. */
const RECEIVE_GRACE_AT_CLOSE_MS = 5000;

/**
 * A closing server would wait for a request whose body is still arriving, up to the request
 * timeout and past a shorter shutdown deadline. Such a request may finish sending within a grace
 * period (and is then answered); one still arriving after it has not started, and is dropped.
 */
export function dropUnreceivedRequestsOnClose(app: FastifyInstance, requestTimeoutMs: number): void {
  const receiving = new Set<IncomingMessage>();
  app.server.on("request", (request: IncomingMessage) => {
    // Without a declared body (RFC 9112 §6.3) a request is received with its headers: most of the
    // traffic (every GET) adds no listeners here.
    if (request.complete || !declaresBody(request)) return;
    receiving.add(request);
    const done = () => receiving.delete(request);
    request.once("end", done);
    request.once("close", done);
  });
  app.addHook("preClose", (done) => {
    const drop = setTimeout(
      () => {
        for (const request of receiving) if (!request.complete) (request.socket as Socket).destroy();
      },
      Math.min(RECEIVE_GRACE_AT_CLOSE_MS, requestTimeoutMs),
    );
    drop.unref();
    done();
  });
}

function declaresBody(request: IncomingMessage): boolean {
  const length = request.headers["content-length"];
  return request.headers["transfer-encoding"] !== undefined || (length !== undefined && length !== "0");
}
