import { type FastifyReply, type FastifyRequest, LogController } from "fastify";
import { redactUrl } from "./redact.js";

const INFO_OR_LOWER = new Set(["info", "debug", "trace"]);

/**
 * One line per request, written when the response is done: request id, route, status, latency,
 * and the organization and key once authentication has identified them. Query values that may
 * hold secrets are censored; headers and bodies are never logged.
 */
export class RequestLogController extends LogController {
  constructor() {
    super({ requestIdLogLabel: "requestId" });
  }

  override incomingRequest(): void {}

  override requestCompleted(error: Error | null | undefined, request: FastifyRequest, reply: FastifyReply): void {
    // Above `info` the line is never written: do not build it on every request.
    if (!error && !INFO_OR_LOWER.has(request.log.level)) return;
    const line = {
      method: request.method,
      url: redactUrl(request.originalUrl ?? request.url),
      route: request.routeOptions.url,
      status: reply.statusCode,
      ms: Math.round(reply.elapsedTime * 100) / 100,
      organizationId: request.identity?.organizationId,
      keyId: request.identity?.keyId,
    };
    if (error) request.log.error({ ...line, err: error }, "request failed");
    else request.log.info(line, "request completed");
  }
}
