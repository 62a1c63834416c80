import { lookup } from "node:dns/promises";
import { createServer } from "node:http";
import { type AddressInfo, isIP } from "node:net";
import { hostname } from "node:os";
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { loadConfig } from "../src/config.js";
import { createDeps } from "../src/deps.js";
import { classifyAddress, SPECIAL_RANGES, specialRangeOf } from "../src/lib/outbound/address-kinds.js";
import { DestinationPolicy } from "../src/lib/outbound/destination-policy.js";
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
/**
 * One address inside each row of the special-purpose table, in no more specific row. The two rows
 * that carry an IPv4 address get one carrying a refused address (their public ones are accepted).
 */
const REPRESENTATIVES: Record<string, string> = {
  "0.0.0.0/8": "0.1.2.3",
  "0.0.0.0/32": "0.0.0.0",
  "10.0.0.0/8": "10.20.30.40",
  "100.64.0.0/10": "100.127.255.254",
  "127.0.0.0/8": "127.3.2.1",
  "169.254.0.0/16": "169.254.1.1",
  "172.16.0.0/12": "172.31.255.1",
  "192.0.0.0/24": "192.0.0.100",
  "192.0.0.0/29": "192.0.0.1",
  "192.0.0.8/32": "192.0.0.8",
  "192.0.0.9/32": "192.0.0.9",
  "192.0.0.10/32": "192.0.0.10",
  "192.0.0.170/32": "192.0.0.170",
  "192.0.0.171/32": "192.0.0.171",
  "192.0.2.0/24": "192.0.2.55",
  "192.31.196.0/24": "192.31.196.1",
  "192.52.193.0/24": "192.52.193.1",
  "192.88.99.0/24": "192.88.99.1",
  "192.88.99.2/32": "192.88.99.2",
  "192.168.0.0/16": "192.168.1.10",
  "192.175.48.0/24": "192.175.48.6",
  "198.18.0.0/15": "198.19.0.1",
  "198.51.100.0/24": "198.51.100.7",
  "203.0.113.0/24": "203.0.113.9",
  "224.0.0.0/4": "239.255.255.250",
  "240.0.0.0/4": "250.1.2.3",
  "255.255.255.255/32": "255.255.255.255",
  "::1/128": "::1",
  "::/128": "::",
  "::ffff:0:0/96": "::ffff:93.184.215.14",
  "64:ff9b::/96": "64:ff9b::10.0.0.1",
  "64:ff9b:1::/48": "64:ff9b:1::5db8:d70e",
  "100::/64": "100::1",
  "100:0:0:1::/64": "100:0:0:1::1",
  "2001::/23": "2001:100::1",
  "2001::/32": "2001::1",
  "2001:1::1/128": "2001:1::1",
  "2001:1::2/128": "2001:1::2",
  "2001:1::3/128": "2001:1::3",
  "2001:2::/48": "2001:2::1",
  "2001:3::/32": "2001:3::1",
  "2001:4:112::/48": "2001:4:112::1",
  "2001:10::/28": "2001:10::1",
  "2001:20::/28": "2001:20::1",
  "2001:30::/28": "2001:30::1",
  "2001:db8::/32": "2001:db8::1",
  "2002::/16": "2002:c0a8:101::1",
  "2620:4f:8000::/48": "2620:4f:8000::1",
  "3fff::/20": "3fff::1",
  "5f00::/16": "5f00::1",
  "fc00::/7": "fd12:3456::1",
  "fe80::/10": "fe80::1",
  "fec0::/10": "fec0::1",
  "ff00::/8": "ff02::1",
  "::/3": "1000::1",
  "4000::/2": "4000::1",
  "8000::/1": "c000::1",
};
/** Reachable: public addresses, and NAT64 and 6to4 spellings of one. */
const PUBLIC_ADDRESSES = ["93.184.215.14", "64:ff9b::5db8:d70e", "2002:5db8:d70e::1", "2606:4700::1111"];
/** A URL whose host is this machine's loopback: `localhost`, `127.…`, `::1` or `::ffff:127.…`. */
function isLoopbackUrl(url: string): boolean {
  const host = new URL(url).hostname.replace(/^\[(.*)\]$/, "$1");
  return isIP(host) ? classifyAddress(host) === "loopback" : /(^|\.)localhost\.?$/i.test(host);
}
const literal = (address: string) => (address.includes(":") ? `[${address}]` : address);
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

describe("the special-purpose address table", () => {
  const policy = new DestinationPolicy({ allowCidrs: [], testModeLoopback: false });

  it("has one representative address per row, each in no more specific row", () => {
    expect(Object.keys(REPRESENTATIVES).sort()).toEqual(SPECIAL_RANGES.map((range) => range.cidr).sort());
  });

  it.each(SPECIAL_RANGES.map((range) => [range.cidr, range.name, range.treatment] as const))(
    "%s (%s): %s",
    (cidr, _name, treatment) => {
      const address = REPRESENTATIVES[cidr] as string;
      expect(specialRangeOf(address)?.cidr).toBe(cidr);
      const expected = treatment === "carries-ipv4" ? classifyAddress(address) : treatment;
      expect(expected).not.toBe("public");
      expect(policy.refusalOf(address)).toBe(expected);
      expect(policy.refusalOf(address, "test")).toBe(expected);
    },
  );

  it("allowlists per family: an IPv6 range never lets an IPv4 address through", () => {
    const mapped = new DestinationPolicy({ allowCidrs: ["::ffff:0:0/96"], testModeLoopback: false });
    expect(mapped.refusalOf("10.0.0.1")).toBe("private");
    expect(mapped.refusalOf("::ffff:93.184.215.14")).toBeUndefined();
  });

  it("reaches public addresses, also when carried by NAT64 or 6to4", () => {
    for (const address of PUBLIC_ADDRESSES) expect(policy.refusalOf(address), address).toBeUndefined();
  });
});

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
    expect(decimal.json().message).toBe(
      "Invalid request: body.url must not point to a loopback address (127.0.0.1); the server's operator can allow " +
        "its range with FANFARE_OUTBOUND_ALLOW_CIDRS, and test-mode webhook endpoints may reach loopback outside production.",
    );
    expect((await admin("GET", "/webhook-endpoints")).json().data).toEqual([]);
    expect((await admin("GET", "/organization")).json().otpWebhookUrl).toBeNull();
  });

  it("refuses an address in every special-purpose range at creation; test mode only reaches loopback", async () => {
    for (const [cidr, address] of Object.entries(REPRESENTATIVES)) {
      const url = `http://${literal(address)}/hooks`;
      const loopback = classifyAddress(address) === "loopback";
      for (const key of [keys.secretLive, keys.secretTest]) {
        const endpoint = await call(server.admin, "POST", "/api/v1/webhook-endpoints", {
          key,
          body: { url, events: EVENTS },
        });
        if (loopback && key === keys.secretTest) {
          expect(endpoint.statusCode, cidr).toBe(201);
          continue;
        }
        expect(endpoint.statusCode, cidr).toBe(400);
        expect(endpoint.json().issues[0].message, cidr).toMatch(/^must not point to /);
      }
    }
    expect((await admin("GET", "/webhook-endpoints")).json().data).toEqual([]);
    for (const address of PUBLIC_ADDRESSES) {
      const url = `https://${literal(address)}/hooks`;
      expect((await admin("POST", "/webhook-endpoints", { url, events: EVENTS })).statusCode, address).toBe(201);
    }
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
    expect(endpoint.json().issues[0].message).toMatch(
      /^must not resolve to a (loopback|private-network) address; the server's operator can allow its range with FANFARE_OUTBOUND_ALLOW_CIDRS/,
    );
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

describe.each(dialects())("test-mode webhooks reach loopback outside production (%s)", (dialect) => {
  let server: TestServer;
  let keys: BootstrapKeys;
  let organizationId: string;
  let receiver: WebhookReceiver;
  let url: string;

  beforeAll(async () => {
    server = await createTestServer(dialect);
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

  const createEndpoint = (key: string, endpointUrl: string) =>
    call(server.admin, "POST", "/api/v1/webhook-endpoints", { key, body: { url: endpointUrl, events: EVENTS } });

  it("delivers a test-mode event to a local receiver with no allowlist; live mode is told how to allow it", async () => {
    const live = await createEndpoint(keys.secretLive, url);
    expect(live.statusCode).toBe(400);
    expect(live.json().issues).toEqual([
      {
        path: "body.url",
        message:
          "must not point to a loopback address (127.0.0.1); the server's operator can allow its range with " +
          "FANFARE_OUTBOUND_ALLOW_CIDRS, and test-mode webhook endpoints may reach loopback outside production",
      },
    ]);
    const organization = await call(server.admin, "PATCH", "/api/v1/organization", {
      key: keys.secretLive,
      body: { otpWebhookUrl: url },
    });
    expect(organization.statusCode).toBe(400);
    expect(organization.json().issues[0].message).toMatch(/^must not point to a loopback address .*ALLOW_CIDRS/);

    const endpoint = await createEndpoint(keys.secretTest, url);
    expect(endpoint.statusCode).toBe(201);
    const port = new URL(url).port;
    for (const local of [`http://localhost:${port}/hooks`, `http://[::1]:${port}/hooks`]) {
      expect((await createEndpoint(keys.secretTest, local)).statusCode, local).toBe(201);
    }
    await emitEvent(server.deps, { organizationId, mode: "test" }, "alert.fired", { probe: true });
    expect(await server.deps.webhooks.runDue()).toBe(3);
    expect(receiver.received.length).toBeGreaterThanOrEqual(1);
    const deliveries = await call(server.admin, "GET", `/api/v1/webhook-endpoints/${endpoint.json().id}/deliveries`, {
      key: keys.secretTest,
    });
    expect(deliveries.json().data).toEqual([expect.objectContaining({ status: "succeeded", lastStatusCode: 200 })]);
  });

  it("still refuses test-mode endpoints to metadata and other private or reserved ranges", async () => {
    for (const refused of [...REFUSED_URLS, ...METADATA_URLS].filter((candidate) => !isLoopbackUrl(candidate))) {
      const endpoint = await createEndpoint(keys.secretTest, refused);
      expect(endpoint.statusCode, refused).toBe(400);
      expect(endpoint.json().issues[0].message, refused).toMatch(/^must not point to /);
    }
    const list = await call(server.admin, "GET", "/api/v1/webhook-endpoints", { key: keys.secretTest });
    expect(list.json().data).toEqual([]);
  });
});

describe.each(dialects())("test-mode webhooks in production (%s)", (dialect) => {
  let server: TestServer;
  beforeAll(async () => {
    server = await createTestServer(dialect, { NODE_ENV: "production", FANFARE_TRUSTED_PROXIES: "127.0.0.1" });
  });
  afterAll(() => server.close());

  it("refuses loopback in test mode too, naming only the allowlist", async () => {
    const { keys } = await createTestOrganization(server);
    for (const url of ["https://127.0.0.1:8443/hooks", "https://localhost:8443/hooks", "https://[::1]:8443/hooks"]) {
      const endpoint = await call(server.admin, "POST", "/api/v1/webhook-endpoints", {
        key: keys.secretTest,
        headers: { "x-forwarded-proto": "https" },
        body: { url, events: EVENTS },
      });
      expect(endpoint.statusCode, url).toBe(400);
      expect(endpoint.json().issues[0].message, url).toMatch(
        /^must not point to a loopback address \(.+\); the server's operator can allow its range with FANFARE_OUTBOUND_ALLOW_CIDRS$/,
      );
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
