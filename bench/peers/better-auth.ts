/**
 * Peer for `npm run bench -- --peers`: better-auth's API-key plugin on SQLite (better-sqlite3),
 * behind bare Fastify: a resource route that verifies the request's `x-api-key` with
 * `auth.api.verifyApiKey` (the plugin's verification is server-only, as a resource server calls
 * it). Its per-key rate limit is off, as ours is out of the way in the bench.
 */
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { apiKey } from "@better-auth/api-key";
import { betterAuth } from "better-auth";
import { getMigrations } from "better-auth/db/migration";
import Database from "better-sqlite3";
import Fastify from "fastify";

const auth = betterAuth({
  database: new Database(join(mkdtempSync(join(tmpdir(), "fanfare-peer-better-auth-")), "auth.db")),
  secret: "bench-secret-that-is-at-least-thirty-two-bytes-long",
  baseURL: "http://127.0.0.1",
  emailAndPassword: { enabled: true },
  plugins: [apiKey({ rateLimit: { enabled: false } })],
  telemetry: { enabled: false },
});
await (await getMigrations(auth.options)).runMigrations();
const { user } = await auth.api.signUpEmail({
  body: { email: "bench@example.com", password: "bench-password-bench", name: "Bench" },
});
const { key } = await auth.api.createApiKey({ body: { userId: user.id } });

const app = Fastify({ logger: false });
app.get("/resource", async (request, reply) => {
  const presented = request.headers["x-api-key"];
  const verdict = await auth.api.verifyApiKey({ body: { key: typeof presented === "string" ? presented : "" } });
  if (!verdict.valid) return reply.code(401).send({ error: "invalid api key" });
  return { id: "resource", owner: verdict.key?.referenceId ?? null };
});
const address = await app.listen({ host: "127.0.0.1", port: 0 });
process.stdout.write(`peer ${address} key ${key}\n`);
process.on("SIGTERM", () => void app.close().then(() => process.exit(0)));
