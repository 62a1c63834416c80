import { lookup } from "node:dns/promises";
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { hostname } from "node:os";
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { loadConfig } from "../src/config.js";
import { createDeps } from "../src/deps.js";
import type { BootstrapKeys } from "../src/modules/orgs/service.js";
import { emitEvent } from "../src/modules/webhooks/service.js";
import {
  createTestOrganization,
  createTestServer,
  dialects,
  LogCapture,
  TEST_SECRET,
  type TestServer,
} from "./harness.js";
import { call } from "./http.js";
import { WebhookReceiver } from "./webhook-receiver.js";

/** Every spelling of a private, loopback, link-local, CGNAT, multicast, unspecified or metadata host. */
const REFUSED_URLS = [
  "http://169.254.169.254/latest/meta-data/",
  "http://10.0.0.5/hooks",
  "http://172.16.0.1/hooks",
  "http://192.168.1.10/hooks",
  "http://100.64.0.1/hooks",
  "http://[fd00::1]/hooks",
  "http://[fe80::1]/hooks",
  "http://[fd00:ec2::254]/latest/meta-data/",
  "http://localhost:8080/hooks",
  "http://LOCALHOST./hooks",
  "http://shop.localhost/hooks",
  "http://127.1/hooks",
  "http://2130706433/hooks",
  "http://0x7f000001/hooks",
  "http://0177.0.0.1/hooks",
  "http://[::1]/hooks",
  "http://[::ffff:127.0.0.1]/hooks",
  "http://[::ffff:a9fe:a9fe]/latest/meta-data/",
  "http://[64:ff9b::a9fe:a9fe]/latest/meta-data/",
  "http://0.0.0.0/hooks",
  "http://[::]/hooks",
  "http://224.0.0.1/hooks",
  "http://metadata.google.internal/computeMetadata/v1/",
  "http://100.100.100.200/latest/meta-data/",
];
const METADATA_URLS = [
  "http://169.254.169.254/latest/meta-data/",
  "http://[fd00:ec2::254]/latest/meta-data/",
  "http://[::ffff:169.254.169.254]/latest/meta-data/",
  "http://100.100.100.200/latest/meta-data/",
  "http://metadata.google.internal/computeMetadata/v1/",
];
const EVENTS = ["alert.fired"];
const CODE_GIVEN_UP = "code delivery failed: the code is given up";

async function closedPort(): Promise<number> {
  const probe = createServer();
  await new Promise<void>((resolve) => probe.listen(0, "127.0.0.1", resolve));
  const { port } = probe.address() as AddressInfo;
  await new Promise((resolve) => probe.close(resolve));
  return port;
}

/** How the first code given up failed, as logged once its delivery has run. */
async function loggedDeliveryFailure(server: TestServer): Promise<Record<string, unknown> | undefined> {
  await server.deps.codes.settled();
  return server.logs.entries().find((line) => line.msg === CODE_GIVEN_UP);
}

function requestLiveCode(server: TestServer, keys: BootstrapKeys) {
  return call(server.consumer, "POST", "/api/v1/auth/otp/request", {
    headers: { "x-publishable-key": keys.publishableLive },
    body: { email: "shopper@example.com" },
  });
}

describe.each(dialects())("outbound requests never reach private networks (%s)", (dialect) => {
  let server: TestServer;
  let keys: BootstrapKeys;

  beforeAll(async () => {
    server = await createTestServer(dialect);
  });
  afterAll(() => server.close());
  beforeEach(async () => {
    ({ keys } = await createTestOrganization(server));
  });

  const admin = (method: "GET" | "POST" | "PATCH", path: string, body?: unknown) =>
    call(server.admin, method, `/api/v1${path}`, { key: keys.secretLive, body });

  it("refuses every spelling of a private or metadata host at creation, and saves nothing", async () => {
    for (const url of REFUSED_URLS) {
      const endpoint = await admin("POST", "/webhook-endpoints", { url, events: EVENTS });
      expect(endpoint.statusCode, url).toBe(400);
      expect(endpoint.json(), url).toMatchObject({
        error: "validation_error",
        issues: [{ path: "body.url", message: expect.stringMatching(/^must not point to /) }],
      });
      const organization = await admin("PATCH", "/organization", { otpWebhookUrl: url });
      expect(organization.statusCode, url).toBe(400);
      expect(organization.json().issues, url).toEqual([
        { path: "body.otpWebhookUrl", message: expect.stringMatching(/^must not point to /) },
      ]);
    }
    const decimal = await admin("POST", "/webhook-endpoints", { url: "http://2130706433/hooks", events: EVENTS });
    expect(decimal.json().message).toBe("Invalid request: body.url must not point to a loopback address (127.0.0.1).");
    expect((await admin("GET", "/webhook-endpoints")).json().data).toEqual([]);
    expect((await admin("GET", "/organization")).json().otpWebhookUrl).toBeNull();
  });

  it("refuses credentials in a URL", async () => {
    for (const url of ["https://user:pass@hooks.example.com/x", "https://token@hooks.example.com/x"]) {
      const endpoint = await admin("POST", "/webhook-endpoints", { url, events: EVENTS });
      expect(endpoint.statusCode, url).toBe(400);
      expect(endpoint.json().issues).toEqual([
        { path: "body.url", message: "must not contain a user name or password" },
      ]);
      const organization = await admin("PATCH", "/organization", { otpWebhookUrl: url });
      expect(organization.json().issues).toEqual([
        { path: "body.otpWebhookUrl", message: "must not contain a user name or password" },
      ]);
    }
  });

  it("refuses a name that resolves to a private address, without naming the address", async () => {
    const name = hostname();
    // This machine's own name resolves (through /etc/hosts) to a loopback or private address.
    expect((await lookup(name, { all: true })).length).toBeGreaterThan(0);
    const url = `http://${name}:8080/hooks`;
    const endpoint = await admin("POST", "/webhook-endpoints", { url, events: EVENTS });
    expect(endpoint.statusCode).toBe(400);
    expect(endpoint.json().issues[0].message).toMatch(/^must not resolve to a (loopback|private-network) address$/);
    const organization = await admin("PATCH", "/organization", { otpWebhookUrl: url });
    expect(organization.json().issues[0].path).toBe("body.otpWebhookUrl");
  });

  it("accepts public hosts, and names that do not resolve yet", async () => {
    for (const url of ["https://93.184.215.14/hooks", "https://hooks.example.com/fanfare"]) {
      expect((await admin("POST", "/webhook-endpoints", { url, events: EVENTS })).statusCode, url).toBe(201);
      expect((await admin("PATCH", "/organization", { otpWebhookUrl: url })).statusCode, url).toBe(200);
    }
  });
});

describe.each(dialects())("outbound requests with private ranges allowlisted (%s)", (dialect) => {
  let server: TestServer;
  let keys: BootstrapKeys;
  let organizationId: string;
  let receiver: WebhookReceiver;
  let url: string;

  beforeAll(async () => {
    server = await createTestServer(dialect, {
      FANFARE_OUTBOUND_ALLOW_CIDRS: "127.0.0.0/8, 169.254.0.0/16, 100.64.0.0/10, fd00::/8",
    });
  });
  afterAll(() => server.close());
  beforeEach(async () => {
    const created = await createTestOrganization(server);
    keys = created.keys;
    organizationId = created.organization.id;
    receiver = new WebhookReceiver();
    url = await receiver.start();
  });
  afterEach(() => receiver.stop());

  const admin = (method: "GET" | "POST" | "PATCH", path: string, body?: unknown) =>
    call(server.admin, method, `/api/v1${path}`, { key: keys.secretLive, body });
  const tenant = () => ({ organizationId, mode: "live" as const });
  async function deliveriesTo(endpointId: string) {
    return (await admin("GET", `/webhook-endpoints/${endpointId}/deliveries`)).json().data;
  }

  it("still refuses metadata addresses, and accepts their allowlisted neighbours", async () => {
    for (const metadata of METADATA_URLS) {
      const endpoint = await admin("POST", "/webhook-endpoints", { url: metadata, events: EVENTS });
      expect(endpoint.statusCode, metadata).toBe(400);
      expect(endpoint.json().issues[0].message, metadata).toMatch(/^must not point to a cloud metadata address/);
      const organization = await admin("PATCH", "/organization", { otpWebhookUrl: metadata });
      expect(organization.statusCode, metadata).toBe(400);
    }
    for (const allowed of [url, "http://169.254.10.10/hooks", "http://[fd00::1]/hooks", "http://100.64.0.1/hooks"]) {
      expect((await admin("POST", "/webhook-endpoints", { url: allowed, events: EVENTS })).statusCode, allowed).toBe(
        201,
      );
    }
  });

  it("never follows a webhook redirect and reports failures in a fixed vocabulary", async () => {
    const target = new WebhookReceiver();
    const targetUrl = await target.start();
    try {
      receiver.status = 307;
      receiver.headers = { location: targetUrl };
      const redirecting = (await admin("POST", "/webhook-endpoints", { url, events: EVENTS })).json();
      const closed = `http://127.0.0.1:${await closedPort()}/hooks`;
      const unreachable = (await admin("POST", "/webhook-endpoints", { url: closed, events: EVENTS })).json();
      await emitEvent(server.deps, tenant(), "alert.fired", { probe: true });
      expect(await server.deps.webhooks.runDue()).toBe(2);

      expect(receiver.received).toHaveLength(1);
      expect(target.received).toEqual([]);
      expect(await deliveriesTo(redirecting.id)).toEqual([
        expect.objectContaining({ status: "pending", lastStatusCode: 307, lastError: "http_status" }),
      ]);
      expect(await deliveriesTo(unreachable.id)).toEqual([
        expect.objectContaining({ status: "pending", lastStatusCode: null, lastError: "connection_failed" }),
      ]);
    } finally {
      await target.stop();
    }
  });

  it("checks the address again at connect time: refused once the allowlist no longer covers it", async () => {
    const port = new URL(url).port;
    const byAddress = (await admin("POST", "/webhook-endpoints", { url, events: EVENTS })).json();
    const byNameUrl = `http://${hostname()}:${port}/hooks`;
    const byName = await admin("POST", "/webhook-endpoints", { url: byNameUrl, events: EVENTS });
    expect(byName.statusCode).toBe(201);
    await emitEvent(server.deps, tenant(), "alert.fired", { probe: true });

    // Another process on the same database, whose operator has since removed the allowlist.
    const config = loadConfig({
      FANFARE_DATA_DIR: server.config.dataDir,
      FANFARE_SECRET: TEST_SECRET,
      FANFARE_USAGE_FLUSH_MS: "60000",
      ...(server.config.databaseUrl ? { FANFARE_DATABASE_URL: server.config.databaseUrl } : {}),
    });
    const other = createDeps(config, { clock: server.clock, logStream: new LogCapture() });
    try {
      expect(await other.webhooks.runDue()).toBe(2);
    } finally {
      await other.close();
    }
    expect(receiver.received).toEqual([]);
    for (const endpoint of [byAddress, byName.json()]) {
      expect(await deliveriesTo(endpoint.id)).toEqual([
        expect.objectContaining({ status: "pending", lastStatusCode: null, lastError: "refused_address" }),
      ]);
    }
  });

  it("never follows a redirect from the organization's code webhook", async () => {
    const target = new WebhookReceiver();
    const targetUrl = await target.start();
    try {
      receiver.status = 307;
      receiver.headers = { location: targetUrl };
      expect((await admin("PATCH", "/organization", { otpWebhookUrl: url })).statusCode).toBe(200);
      expect((await requestLiveCode(server, keys)).statusCode).toBe(200);
      expect(await loggedDeliveryFailure(server)).toMatchObject({ failure: "http_status", status: 307 });
      expect(receiver.received).toHaveLength(1);
      expect(target.received).toEqual([]);
    } finally {
      await target.stop();
    }
  });
});

describe("the server-wide code webhook", () => {
  it("is refused at connect time when it points to a private address that is not allowlisted", async () => {
    const receiver = new WebhookReceiver();
    const url = await receiver.start();
    const server = await createTestServer("sqlite", { FANFARE_OTP_DELIVERY: "webhook", FANFARE_OTP_WEBHOOK_URL: url });
    try {
      const { keys } = await createTestOrganization(server);
      expect((await requestLiveCode(server, keys)).statusCode).toBe(200);
      expect(await loggedDeliveryFailure(server)).toMatchObject({ failure: "refused_address" });
      expect(receiver.received).toEqual([]);
    } finally {
      await server.close();
      await receiver.stop();
    }
  });
});
