import { type ChildProcess, spawn } from "node:child_process";
import { createServer } from "node:net";
import { fileURLToPath } from "node:url";
import type { Browser, Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { chromiumAvailable, launchChromium } from "../apps/dashboard/e2e/browser.js";
import { loadConfig } from "../packages/server/src/config.js";
import { type RunningServer, startServer } from "../packages/server/src/main.js";
import { type BootstrapKeys, createOrganization } from "../packages/server/src/modules/orgs/service.js";
import { createTestDatabase, type TestDatabase } from "../packages/server/test/harness.js";
import { LOOPBACK_ALLOWED } from "../packages/server/test/webhook-receiver.js";

const ROOT = fileURLToPath(new URL("..", import.meta.url));
const SHOPPERS_AHEAD = 8;

// CI must run this; elsewhere a missing browser is a printed skip, not a failure.
const runnable = process.env.CI === "true" || chromiumAvailable();
if (!runnable) console.warn("[examples-e2e] skipped: no /usr/bin/chromium (apt-get install chromium)");

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const probe = createServer().listen(0, "127.0.0.1", () => {
      const { port } = probe.address() as { port: number };
      probe.close(() => resolve(port));
    });
    probe.on("error", reject);
  });
}

interface Started {
  child: ChildProcess;
  output: () => string;
}

/** Runs an example's documented command and waits for the line that says it is serving. */
async function startExample(script: string, env: Record<string, string>, ready: RegExp): Promise<Started> {
  const child = spawn("npm", ["run", "--silent", script], {
    cwd: ROOT,
    env: { ...process.env, NO_COLOR: "1", ...env },
    stdio: ["ignore", "pipe", "pipe"],
    detached: true,
  });
  let output = "";
  child.stdout?.on("data", (chunk: Buffer) => {
    output += chunk.toString();
  });
  child.stderr?.on("data", (chunk: Buffer) => {
    output += chunk.toString();
  });
  const deadline = Date.now() + 60_000;
  while (!ready.test(output)) {
    if (child.exitCode !== null || Date.now() > deadline) {
      stop({ child, output: () => output });
      throw new Error(`${script} did not start:\n${output}`);
    }
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  return { child, output: () => output };
}

/** The npm process and everything it started (vite, node). */
function stop(started: Started | undefined): void {
  if (started?.child.pid && started.child.exitCode === null) process.kill(-started.child.pid, "SIGTERM");
}

describe.runIf(runnable)("the examples against a real server", () => {
  let database: TestDatabase;
  let server: RunningServer;
  let keys: BootstrapKeys;
  let merchant: Started;
  let storefront: Started;
  let merchantUrl: string;
  let storefrontUrl: string;
  let browser: Browser;
  let page: Page;

  beforeAll(async () => {
    database = await createTestDatabase("sqlite");
    server = await startServer(
      loadConfig({
        ...database.env,
        FANFARE_CONSUMER_PORT: "0",
        FANFARE_ADMIN_PORT: "0",
        FANFARE_LOG_LEVEL: "silent",
        ...LOOPBACK_ALLOWED,
      }),
    );
    ({ keys } = await createOrganization(server.deps, { name: "Development", plan: "pro" }));
    const [merchantPort, storefrontPort] = [await freePort(), await freePort()];
    merchantUrl = `http://127.0.0.1:${merchantPort}`;
    storefrontUrl = `http://127.0.0.1:${storefrontPort}`;
    merchant = await startExample(
      "example:merchant",
      {
        FANFARE_SECRET_KEY: keys.secretTest,
        FANFARE_PUBLISHABLE_KEY: keys.publishableTest,
        FANFARE_BASE_URL: server.consumerUrl,
        FANFARE_ADMIN_BASE_URL: server.adminUrl,
        PORT: String(merchantPort),
        STOREFRONT_ORIGIN: storefrontUrl,
        ADMIT_EVERY_MS: "1500",
        ADMIT_BATCH: "2",
      },
      /merchant server listening on/,
    );
    storefront = await startExample(
      "example:storefront",
      { VITE_MERCHANT_URL: merchantUrl, PORT: String(storefrontPort) },
      /Local:/,
    );
    browser = await launchChromium();
    page = await browser.newPage();
  });
  afterAll(async () => {
    await browser?.close();
    stop(storefront);
    stop(merchant);
    await server?.shutdown();
    await database?.drop();
  });

  const merchantSays = async (path: string) => (await fetch(`${merchantUrl}${path}`)).json();

  /** Shoppers who got there first, through the consumer API, so the page's shopper waits in line. */
  async function fillTheLine(queueId: string): Promise<void> {
    const headers = { "x-publishable-key": keys.publishableTest };
    for (let i = 0; i < SHOPPERS_AHEAD; i++) {
      const guest = await (await fetch(`${server.consumerUrl}/api/v1/auth/guest`, { method: "POST", headers })).json();
      const entered = await fetch(`${server.consumerUrl}/api/v1/queues/${queueId}/enter`, {
        method: "POST",
        headers: { ...headers, authorization: `Bearer ${guest.accessToken}` },
      });
      expect(entered.status).toBe(201);
    }
  }

  it("a shopper waits, signs in keeping the place, is admitted and checks out; the merchant verifies a webhook", async () => {
    const config = await merchantSays("/config");
    expect(config).toMatchObject({ publishableKey: keys.publishableTest, testMode: true });
    await fillTheLine(config.queueId);

    await page.goto(storefrontUrl);
    await page.getByRole("button", { name: "Join the line" }).click();
    const position = page.locator("#position");
    await expect.poll(() => position.textContent()).toMatch(/^#\d+$/);
    const joinedAt = Number((await position.textContent())?.slice(1));
    expect(joinedAt).toBeGreaterThan(1);

    // Signing in upgrades the guest session: the place is kept, not taken again at the back.
    await page.getByLabel("Email").fill("shopper@example.com");
    await page.getByRole("button", { name: "Send code" }).click();
    await page.getByRole("button", { name: "Use the test-mode code" }).click();
    await expect.poll(() => page.getByLabel("Verification code").inputValue()).toMatch(/^\d{6}$/);
    await page.getByRole("button", { name: "Sign in" }).click();
    await expect.poll(() => page.locator("#who").textContent()).toBe("Signed in as shopper@example.com.");
    expect(Number((await position.textContent())?.slice(1))).toBeLessThanOrEqual(joinedAt);
    // The place updates by itself as the merchant admits those ahead.
    await expect
      .poll(async () => Number((await position.textContent())?.slice(1)), { timeout: 10_000 })
      .toBeLessThan(joinedAt);

    // The merchant admits two every 1.5 s; the page follows the line down to the shopper's turn.
    await page.getByRole("heading", { name: "It's your turn" }).waitFor({ timeout: 30_000 });
    await page.getByRole("button", { name: "Check out" }).click();
    await expect.poll(() => page.locator("#message").textContent()).toMatch(/^Order confirmed: ord_/);

    const session = await page.evaluate(
      (key) => JSON.parse(localStorage.getItem(key) ?? "null"),
      `fanfare:${config.queueId}`,
    );
    const { data: orders } = await merchantSays("/orders");
    expect(orders).toEqual([expect.objectContaining({ consumerId: session.session.consumerId })]);
    await expect
      .poll(async () => (await merchantSays("/webhooks/received")).data, { timeout: 15_000 })
      .toEqual([expect.objectContaining({ type: "webhook.test", verified: true })]);
    expect(merchant.output()).toMatch(/admitted 2: /);
  });
});
