// A merchant's server for a drop, on @fanfare/sdk's FanfareClient (secret key: server only).
// It creates an experience and a queue, admits shoppers in batches, validates admission tokens at
// checkout, verifies Fanfare's webhooks, and tells the storefront page which queue to show.
//
//   FANFARE_SECRET_KEY=sk_test_… FANFARE_PUBLISHABLE_KEY=pk_test_… npm run example:merchant
//
// Settings (environment): FANFARE_BASE_URL (consumer API, default http://127.0.0.1:4000),
// FANFARE_ADMIN_BASE_URL (admin API, default http://127.0.0.1:4001), PORT (5050), HOST
// (127.0.0.1), STOREFRONT_ORIGIN (http://127.0.0.1:5051), ADMIT_EVERY_MS (3000), ADMIT_BATCH (5).
import { randomUUID } from "node:crypto";
import { createServer } from "node:http";
import { FanfareClient, FanfareError, routes, verifyWebhook } from "@fanfare/sdk";

const settings = {
  secretKey: required("FANFARE_SECRET_KEY", /^sk_(live|test)_/),
  publishableKey: required("FANFARE_PUBLISHABLE_KEY", /^pk_(live|test)_/),
  consumerApiUrl: process.env.FANFARE_BASE_URL || "http://127.0.0.1:4000",
  adminApiUrl: process.env.FANFARE_ADMIN_BASE_URL || "http://127.0.0.1:4001",
  host: process.env.HOST || "127.0.0.1",
  port: Number(process.env.PORT ?? 5050),
  storefrontOrigin: process.env.STOREFRONT_ORIGIN || "http://127.0.0.1:5051",
  admitEveryMs: Number(process.env.ADMIT_EVERY_MS ?? 3000),
  admitBatch: Number(process.env.ADMIT_BATCH ?? 5),
};
const testMode = settings.secretKey.startsWith("sk_test_");

function required(name, shape) {
  const value = process.env[name] ?? "";
  if (!shape.test(value)) {
    console.error(`Set ${name} (${shape.source.slice(1)}…): npm start prints the development organization's keys.`);
    process.exit(1);
  }
  return value;
}

const fanfare = new FanfareClient({
  apiKey: settings.secretKey,
  baseUrl: settings.consumerApiUrl,
  adminBaseUrl: settings.adminApiUrl,
});

// The drop: an experience with one queue, open now, each admission good for 10 minutes.
const experience = await fanfare.experiences.create({ name: "Example drop" });
const queue = await fanfare.queues.create(experience.id, { name: "Main line", admissionTtlSeconds: 600 });
console.log(`queue ${queue.id} in experience ${experience.id}`);

/** Webhook events received and whether their signatures checked out (newest last). */
const received = [];
const orders = [];

const server = createServer((request, response) => {
  handle(request, response).catch((err) => {
    console.error(err);
    send(response, 500, { error: "internal_error" });
  });
});
await new Promise((resolve) => server.listen(settings.port, settings.host, resolve));
const address = server.address();
const ownUrl = `http://${settings.host}:${address.port}`;
console.log(`merchant server listening on ${ownUrl}`);

const webhookSecret = await subscribeToWebhooks();
const admitting = setInterval(admitNextBatch, settings.admitEveryMs);

for (const signal of ["SIGINT", "SIGTERM"]) {
  process.on(signal, () => {
    clearInterval(admitting);
    server.close(() => process.exit(0));
  });
}

/** Every few seconds the next shoppers in line get their turn. */
async function admitNextBatch() {
  try {
    const { data } = await fanfare.queues.admitNext(queue.id, settings.admitBatch);
    if (data.length > 0) console.log(`admitted ${data.length}: ${data.map((state) => state.consumerId).join(", ")}`);
  } catch (err) {
    console.error("admitting failed:", err instanceof FanfareError ? `${err.status} ${err.code}` : err);
  }
}

/**
 * Registers this server for alerts and asks Fanfare for a signed test event. Outside production,
 * test-mode endpoints may reach loopback; with live keys Fanfare refuses loopback unless its
 * operator allows it: start it with FANFARE_OUTBOUND_ALLOW_CIDRS=127.0.0.1/32 to see webhooks arrive here.
 */
async function subscribeToWebhooks() {
  try {
    const endpoint = await fanfare.webhookEndpoints.create({
      url: `${ownUrl}/webhooks/fanfare`,
      events: ["alert.fired", "alert.resolved"],
      description: "example merchant server",
    });
    await fanfare.webhookEndpoints.sendTestEvent(endpoint.id);
    console.log(`webhook endpoint ${endpoint.id}: a signed webhook.test event is on its way`);
    return endpoint.secret;
  } catch (err) {
    if (!(err instanceof FanfareError) || err.code !== "validation_error") throw err;
    console.warn(`webhooks off: ${err.message} (start Fanfare with FANFARE_OUTBOUND_ALLOW_CIDRS=127.0.0.1/32)`);
    return undefined;
  }
}

async function handle(request, response) {
  const url = new URL(request.url ?? "/", ownUrl);
  const route = `${request.method} ${url.pathname}`;
  if (request.method === "OPTIONS") return send(response, 204);
  if (route === "GET /config") {
    // What the storefront page needs: a publishable key is public by design.
    return send(response, 200, {
      publishableKey: settings.publishableKey,
      consumerApiUrl: settings.consumerApiUrl,
      queueId: queue.id,
      dropName: experience.name,
      testMode,
    });
  }
  if (route === "POST /checkout") return checkout(await readJson(request), response);
  if (route === "POST /webhooks/fanfare") return receiveWebhook(request, response);
  if (route === "GET /webhooks/received") return send(response, 200, { data: received });
  if (route === "GET /orders") return send(response, 200, { data: orders });
  if (route === "GET /test-code" && testMode) return testCode(url.searchParams.get("email") ?? "", response);
  return send(response, 404, { error: "not_found" });
}

/**
 * The shopper's browser sends its admission token; only the server's secret key can check it, and
 * the order is placed only if Fanfare says the admission is still good. Completing the admission
 * makes every copy of the token useless.
 */
async function checkout(body, response) {
  const { consumerId, admissionToken } = body ?? {};
  if (typeof consumerId !== "string" || typeof admissionToken !== "string") {
    return send(response, 400, { error: "consumerId and admissionToken are required" });
  }
  const valid = await fanfare.queues.validate(queue.id, { consumerId, token: admissionToken });
  if (!valid) return send(response, 403, { error: "Your turn has passed or this token is not yours." });
  await fanfare.queues.complete(queue.id, consumerId);
  const order = { id: `ord_${randomUUID()}`, consumerId, placedAt: new Date().toISOString() };
  orders.push(order);
  console.log(`order ${order.id} for ${consumerId}`);
  return send(response, 201, order);
}

/** Webhooks are verified on the raw bytes, before any JSON parsing. */
async function receiveWebhook(request, response) {
  const rawBody = await readBody(request);
  const verified = webhookSecret !== undefined && (await verifyWebhook(rawBody, request.headers, webhookSecret));
  if (!verified) return send(response, 400, { error: "bad signature" });
  const event = JSON.parse(rawBody);
  received.push({ id: event.id, type: event.type, verified });
  console.log(`webhook ${event.type} ${event.id}: signature verified`);
  return send(response, 200, { received: true });
}

/** Test mode sends no email: codes wait in Fanfare's test outbox, readable with the test secret key. */
async function testCode(email, response) {
  const { data } = await fanfare.call(routes.listTestMessages, { query: { to: email } });
  const [latest] = data; // newest first
  return latest ? send(response, 200, { code: latest.code }) : send(response, 404, { error: "no code yet" });
}

function send(response, status, body) {
  response.writeHead(status, {
    "access-control-allow-origin": settings.storefrontOrigin,
    "access-control-allow-headers": "content-type",
    "access-control-allow-methods": "GET, POST",
    ...(body === undefined ? {} : { "content-type": "application/json" }),
  });
  response.end(body === undefined ? undefined : JSON.stringify(body));
}

async function readBody(request) {
  let body = "";
  for await (const chunk of request) {
    body += chunk;
    if (body.length > 64 * 1024) throw new Error("body too large");
  }
  return body;
}

async function readJson(request) {
  try {
    return JSON.parse(await readBody(request));
  } catch {
    return undefined;
  }
}
