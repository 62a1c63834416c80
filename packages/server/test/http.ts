import type { FastifyInstance, InjectOptions, LightMyRequestResponse } from "fastify";

export interface CallOptions {
  /** Sent as `Authorization: Bearer <key>`. */
  key?: string;
  body?: unknown;
  headers?: Record<string, string>;
  remoteAddress?: string;
}

/** One injected request through the real app, with the usual credential header. */
export function call(
  app: FastifyInstance,
  method: InjectOptions["method"],
  url: string,
  options: CallOptions = {},
): Promise<LightMyRequestResponse> {
  const headers: Record<string, string> = { ...options.headers };
  if (options.key) headers.authorization = `Bearer ${options.key}`;
  return app.inject({
    method,
    url,
    headers,
    ...(options.body !== undefined ? { payload: options.body as InjectOptions["payload"] } : {}),
    ...(options.remoteAddress ? { remoteAddress: options.remoteAddress } : {}),
  });
}
