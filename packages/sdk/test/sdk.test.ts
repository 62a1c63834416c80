import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { loadConfig } from "../../server/src/config.js";
import { type RunningServer, startServer } from "../../server/src/main.js";
import { type BootstrapKeys, createOrganization } from "../../server/src/modules/orgs/service.js";
import { emitEvent } from "../../server/src/modules/webhooks/service.js";
import { createTestDatabase, dialects, type TestDatabase } from "../../server/test/harness.js";
import { Fanfare, FanfareClient, FanfareError, localStorageStorage } from "../src/index.js";

describe.each(dialects())("SDK against a running server (%s)", (dialect) => {
  let database: TestDatabase;
  let server: RunningServer;
  let keys: BootstrapKeys;
  let organizationId: string;
  let client: FanfareClient;

  beforeAll(async () => {
    database = await createTestDatabase(dialect);
    const config = loadConfig({
      ...database.env,
      FANFARE_CONSUMER_PORT: "0",
      FANFARE_ADMIN_PORT: "0",
      FANFARE_LOG_LEVEL: "silent",
      // The webhook test's receiver listens on loopback, which outgoing requests refuse by default.
      FANFARE_OUTBOUND_ALLOW_CIDRS: "127.0.0.1/32",
    });
    server = await startServer(config);
  });
  afterAll(async () => {
    await server.shutdown();
    await database.drop();
  });
  beforeEach(async () => {
    const created = await createOrganization(server.deps, { name: "SDK Shop", plan: "pro" });
    keys = created.keys;
    organizationId = created.organization.id;
    client = new FanfareClient({ apiKey: keys.secretTest, baseUrl: server.consumerUrl, adminBaseUrl: server.adminUrl });
  });

  const browser = (options: { refreshMarginSeconds?: number; fetch?: typeof fetch } = {}) =>
    new Fanfare({ publishableKey: keys.publishableTest, baseUrl: server.consumerUrl, ...options });

  async function latestCode(email: string): Promise<string> {
    const response = await fetch(`${server.adminUrl}/api/v1/test/messages?to=${encodeURIComponent(email)}`, {
      headers: { authorization: `Bearer ${keys.secretTest}` },
    });
    return ((await response.json()) as { data: { code: string }[] }).data[0]?.code as string;
  }

  it("refuses the wrong kind of key in each client", () => {
    expect(() => new FanfareClient({ apiKey: keys.publishableTest })).toThrow(/publishable key/);
    expect(() => new Fanfare({ publishableKey: keys.secretTest })).toThrow(/secret key/);
  });

  it("never guesses a host: an address comes from the options or the environment, or the client refuses", async () => {
    const saved = { consumer: process.env.FANFARE_BASE_URL, admin: process.env.FANFARE_ADMIN_BASE_URL };
    delete process.env.FANFARE_BASE_URL;
    delete process.env.FANFARE_ADMIN_BASE_URL;
    try {
      const missing = (make: () => unknown, option: string, variable: string) => {
        let thrown: unknown;
        try {
          make();
        } catch (err) {
          thrown = err;
        }
        expect(thrown).toBeInstanceOf(FanfareError);
        expect((thrown as FanfareError).code).toBe("missing_base_url");
        expect((thrown as FanfareError).message).toContain(`\`${option}\``);
        expect((thrown as FanfareError).message).toContain(variable);
      };
      missing(() => new FanfareClient({ apiKey: keys.secretTest }), "baseUrl", "FANFARE_BASE_URL");
      missing(
        () => new FanfareClient({ apiKey: keys.secretTest, baseUrl: server.consumerUrl }),
        "adminBaseUrl",
        "FANFARE_ADMIN_BASE_URL",
      );
      missing(() => new Fanfare({ publishableKey: keys.publishableTest }), "baseUrl", "FANFARE_BASE_URL");
      for (const baseUrl of ["consumer.example.com", "ftp://consumer.example.com"]) {
        expect(() => new Fanfare({ publishableKey: keys.publishableTest, baseUrl })).toThrow(
          expect.objectContaining({ code: "invalid_base_url" }),
        );
      }

      // From the environment (server side): the same calls reach the real server.
      process.env.FANFARE_BASE_URL = server.consumerUrl;
      process.env.FANFARE_ADMIN_BASE_URL = server.adminUrl;
      const fromEnvironment = new FanfareClient({ apiKey: keys.secretTest });
      expect((await fromEnvironment.experiences.create({ name: "From the environment" })).name).toBe(
        "From the environment",
      );
      expect((await new Fanfare({ publishableKey: keys.publishableTest }).auth.guest()).type).toBe("guest");
    } finally {
      for (const [variable, value] of [
        ["FANFARE_BASE_URL", saved.consumer],
        ["FANFARE_ADMIN_BASE_URL", saved.admin],
      ] as const) {
        if (value === undefined) delete process.env[variable];
        else process.env[variable] = value;
      }
    }
  });

  it("runs a drop end to end: guest, queue, sign-in keeping the place, admission, validation", async () => {
    const experience = await client.experiences.create({ name: "Holiday Sale" });
    const queue = await client.queues.create(experience.id, { name: "Main", admissionTtlSeconds: 600 });
    const ahead = browser();
    await ahead.auth.guest();
    await ahead.queues.enter(queue.id);

    const shopper = browser();
    const changes: (string | null)[] = [];
    shopper.auth.onChange((session) => changes.push(session?.type ?? null));
    const guest = await shopper.auth.guest();
    expect(guest.type).toBe("guest");
    expect(await shopper.queues.enter(queue.id, { fingerprint: "fp_sdk_device" })).toMatchObject({ position: 2 });
    expect((await shopper.queues.get(queue.id)).consumerCount).toBe(2);

    await shopper.auth.requestOtp({ email: "sdk.shopper@example.com" });
    const member = await shopper.auth.verifyOtp({
      email: "sdk.shopper@example.com",
      code: await latestCode("sdk.shopper@example.com"),
    });
    expect(member).toMatchObject({ type: "authenticated", guestId: guest.consumerId });
    expect(changes).toEqual(["guest", "authenticated"]);
    expect(await shopper.queues.status(queue.id)).toMatchObject({ consumerId: member.consumerId, position: 2 });

    const [first, second] = (await client.queues.admitNext(queue.id, 2)).data;
    expect(second?.consumerId).toBe(member.consumerId);
    expect(first?.status).toBe("ADMITTED");
    const admitted = await shopper.queues.status(queue.id);
    expect(admitted).toMatchObject({ status: "ADMITTED", position: 0 });
    const proof = { consumerId: member.consumerId, token: admitted.admissionToken as string };
    expect(await client.queues.validate(queue.id, { ...proof, fingerprint: "fp_sdk_device" })).toBe(true);
    expect(await client.queues.validate(queue.id, { ...proof, fingerprint: "fp_other_device" })).toBe(false);
    expect((await client.queues.complete(queue.id, member.consumerId)).status).toBe("COMPLETED");
    expect(await client.queues.validate(queue.id, { ...proof, fingerprint: "fp_sdk_device" })).toBe(false);
    expect((await shopper.consumers.me()).active.queues).toEqual([]);

    await shopper.auth.logout();
    expect(shopper.auth.getSession()).toBeNull();
    await expect(shopper.consumers.me()).rejects.toMatchObject({ status: 401 });
  });

  it("signs a merchant's own customer in through external authorize and exchange", async () => {
    const { exchangeCode, resolution } = await client.auth.external.authorize({
      provider: "shopify",
      issuer: "https://sdk-shop.myshopify.com",
      subject: "customer_42",
      claims: { email: "customer42@example.com", emailVerified: true },
    });
    expect(resolution).toBe("created");
    const shopper = browser();
    const session = await shopper.auth.exchangeExternal(exchangeCode);
    expect(session.type).toBe("authenticated");
    expect(await shopper.consumers.me()).toMatchObject({ id: session.consumerId, email: "customer42@example.com" });
    const error = await browser()
      .auth.exchangeExternal(exchangeCode)
      .catch((err: unknown) => err);
    expect(error).toBeInstanceOf(FanfareError);
    expect(error).toMatchObject({
      status: 401,
      code: "invalid_exchange_code",
      requestId: expect.stringMatching(/^req_/),
    });
  });

  it("refreshes before expiry with exactly one request for many concurrent calls, and after a 401", async () => {
    // Token lifetimes are organization-wide settings: only a live key may change them.
    await fetch(`${server.adminUrl}/api/v1/organization`, {
      method: "PATCH",
      headers: { authorization: `Bearer ${keys.secretLive}`, "content-type": "application/json" },
      body: JSON.stringify({ accessTokenTtlSeconds: 60 }),
    });
    const seen: string[] = [];
    const counting: typeof fetch = (input, init) => {
      seen.push(new URL(String(input)).pathname);
      return fetch(input, init);
    };
    // A margin of a full token lifetime: every token is "about to expire", so each round refreshes.
    const shopper = browser({ refreshMarginSeconds: 60, fetch: counting });
    await shopper.auth.guest();
    const results = await Promise.all(Array.from({ length: 5 }, () => shopper.consumers.me()));
    expect(new Set(results.map((me) => me.id)).size).toBe(1);
    expect(seen.filter((path) => path.endsWith("/auth/refresh"))).toHaveLength(1);

    const patient = browser({ fetch: counting });
    await patient.auth.guest();
    seen.length = 0;
    // A token the server refuses: the next call gets a 401, refreshes once, and retries.
    const stored = (patient as unknown as { storage: { get(): { accessToken: string }; set(v: unknown): void } })
      .storage;
    stored.set({ ...stored.get(), accessToken: "eyJhbGciOiJFZERTQSJ9.e30.c2lnbmF0dXJl" });
    expect((await patient.consumers.me()).isGuest).toBe(true);
    expect(seen.map((path) => path.replace("/api/v1", ""))).toEqual([
      "/consumers/me",
      "/auth/refresh",
      "/consumers/me",
    ]);
  });

  it("keeps a session across page loads with localStorage storage", async () => {
    const values = new Map<string, string>();
    // The Web Storage interface over a Map: Node has no localStorage.
    const pageStorage = {
      getItem: (key: string) => values.get(key) ?? null,
      setItem: (key: string, value: string) => void values.set(key, value),
      removeItem: (key: string) => void values.delete(key),
    } as Storage;
    const firstLoad = new Fanfare({
      publishableKey: keys.publishableTest,
      baseUrl: server.consumerUrl,
      storage: localStorageStorage("fanfare.session", pageStorage),
    });
    const session = await firstLoad.auth.guest();
    expect(values.get("fanfare.session")).toContain(session.consumerId);

    const secondLoad = new Fanfare({
      publishableKey: keys.publishableTest,
      baseUrl: server.consumerUrl,
      storage: localStorageStorage("fanfare.session", pageStorage),
    });
    expect(secondLoad.auth.getSession()?.consumerId).toBe(session.consumerId);
    expect((await secondLoad.consumers.me()).id).toBe(session.consumerId);
    await secondLoad.auth.logout();
    expect(values.has("fanfare.session")).toBe(false);
  });

  it("verifies the signature of a real webhook delivery", async () => {
    let raw = "";
    let headers: Record<string, string | string[] | undefined> = {};
    const receiver = createServer((request, response) => {
      request.on("data", (chunk) => {
        raw += chunk;
      });
      request.on("end", () => {
        headers = request.headers;
        response.writeHead(204).end();
      });
    });
    await new Promise<void>((resolve) => receiver.listen(0, "127.0.0.1", resolve));
    try {
      const url = `http://127.0.0.1:${(receiver.address() as AddressInfo).port}/hooks`;
      const endpoint = await client.webhookEndpoints.create({ url, events: ["alert.fired"] });
      await emitEvent(server.deps, { organizationId, mode: "test" }, "alert.fired", { from: "sdk test" });
      await server.deps.webhooks.runDue();
      expect(JSON.parse(raw).data).toEqual({ from: "sdk test" });
      expect(await client.webhooks.verify(raw, headers, endpoint.secret)).toBe(true);
      expect(await client.webhooks.verify(`${raw} `, headers, endpoint.secret)).toBe(false);
      expect(await client.webhooks.verify(raw, headers, "whsec_wrong")).toBe(false);
    } finally {
      await new Promise((resolve) => receiver.close(resolve));
    }
  });
});

describe("SDK retries", () => {
  it("waits for Retry-After on 429, retries 5xx only when safe, and never other 4xx", async () => {
    const answers: [number, Record<string, string>][] = [];
    let requests = 0;
    const stub = createServer((request, response) => {
      requests++;
      const [status, headers] = answers.shift() ?? [200, {}];
      request.resume();
      response.writeHead(status, { "content-type": "application/json", ...headers });
      response.end(
        status === 200
          ? '{"data":[],"pageInfo":{"startCursor":null,"endCursor":null,"hasNextPage":false}}'
          : `{"error":"${status === 500 ? "internal_error" : `e${status}`}"}`,
      );
    });
    await new Promise<void>((resolve) => stub.listen(0, "127.0.0.1", resolve));
    const base = `http://127.0.0.1:${(stub.address() as AddressInfo).port}`;
    const client = new FanfareClient({ apiKey: "sk_test_x", baseUrl: base, adminBaseUrl: base, maxRetries: 2 });
    try {
      answers.push([429, { "retry-after": "1" }]);
      const started = Date.now();
      await client.experiences.list();
      expect(Date.now() - started).toBeGreaterThanOrEqual(1000);
      expect(requests).toBe(2);

      requests = 0;
      answers.push([500, {}], [502, {}]);
      await client.experiences.list();
      expect(requests).toBe(3);

      requests = 0;
      answers.push([500, {}]);
      await expect(client.experiences.create({ name: "x" })).rejects.toMatchObject({
        status: 500,
        code: "internal_error",
      });
      expect(requests).toBe(1);

      requests = 0;
      answers.push([400, {}]);
      // An error the catalog does not know keeps its status and body.
      await expect(client.experiences.list()).rejects.toMatchObject({
        status: 400,
        code: "unknown_error",
        body: { error: "e400" },
      });
      expect(requests).toBe(1);
    } finally {
      await new Promise((resolve) => stub.close(resolve));
    }
  });
});
