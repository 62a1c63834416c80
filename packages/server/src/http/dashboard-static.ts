import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import fastifyStatic from "@fastify/static";
import type { FastifyInstance, FastifyReply } from "fastify";

// Scripts and styles from our own origin only; recharts sets inline style attributes.
const CONTENT_SECURITY_POLICY = [
  "default-src 'self'",
  "script-src 'self'",
  "style-src 'self' 'unsafe-inline'",
  "img-src 'self' data:",
  "connect-src 'self'",
  "frame-ancestors 'none'",
  "base-uri 'self'",
  "form-action 'self'",
].join("; ");

function secureHeaders(reply: FastifyReply): FastifyReply {
  return reply
    .header("content-security-policy", CONTENT_SECURITY_POLICY)
    .header("x-frame-options", "DENY")
    .header("x-content-type-options", "nosniff")
    .header("referrer-policy", "same-origin");
}

/**
 * The dashboard's built files at `/dashboard`. Assets are routed one by one (their names carry
 * a content hash, so they are cached for good); every other path under `/dashboard` is a page of
 * the single-page app and gets `index.html`.
 */
export async function serveDashboard(app: FastifyInstance, dir: string): Promise<void> {
  const indexPath = join(dir, "index.html");
  const hide = { schema: { hide: true } };
  if (!existsSync(indexPath)) {
    app.get("/dashboard*", hide, async (_request, reply) =>
      reply.code(503).type("text/plain").send("The dashboard is not built: run `npm run build`, then restart."),
    );
    return;
  }
  const index = readFileSync(indexPath);
  await app.register(fastifyStatic, {
    root: dir,
    prefix: "/dashboard/",
    wildcard: false,
    index: false,
    decorateReply: false,
    setHeaders: (response, path) => {
      response.header("x-content-type-options", "nosniff");
      if (path.startsWith(join(dir, "assets"))) {
        response.header("cache-control", "public, max-age=31536000, immutable");
      }
    },
  });
  const page = async (_request: unknown, reply: FastifyReply) =>
    secureHeaders(reply).header("cache-control", "no-cache").type("text/html; charset=utf-8").send(index);
  app.get("/dashboard", hide, page);
  app.get("/dashboard/*", hide, page);
}
