import { existsSync, mkdirSync } from "node:fs";
import { createRequire } from "node:module";
import { fileURLToPath } from "node:url";
import type { Browser, Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { loadConfig } from "../../../packages/server/src/config.js";
import { type RunningServer, startServer } from "../../../packages/server/src/main.js";
import { CLI_ACTOR } from "../../../packages/server/src/modules/audit/service.js";
import { addOwner } from "../../../packages/server/src/modules/members/service.js";
import { type BootstrapKeys, createOrganization } from "../../../packages/server/src/modules/orgs/service.js";
import { deliveredCode } from "../../../packages/server/test/dashboard-member.js";
import { createTestDatabase, type TestDatabase } from "../../../packages/server/test/harness.js";
import { LOOPBACK_ALLOWED, WebhookReceiver } from "../../../packages/server/test/webhook-receiver.js";
import { chromiumAvailable, launchChromium } from "./browser.js";

const SCREENSHOTS = fileURLToPath(new URL("../../../docs/screenshots/", import.meta.url));
const BUILT = existsSync(fileURLToPath(new URL("../dist/index.html", import.meta.url)));
const AXE = createRequire(import.meta.url).resolve("axe-core/axe.min.js");
const OPERATOR = "operator@shop.example";

const runnable = process.env.CI === "true" || (chromiumAvailable() && BUILT);

describe.runIf(runnable)("the drop control room in a real browser", () => {
  let database: TestDatabase;
  let server: RunningServer;
  let receiver: WebhookReceiver;
  let browser: Browser;
  let page: Page;
  let keys: BootstrapKeys;
  let queueId: string;
  let pushing: NodeJS.Timeout | undefined;
  let pushed = 0;

  beforeAll(async () => {
    mkdirSync(SCREENSHOTS, { recursive: true });
    receiver = new WebhookReceiver();
    const deliveryUrl = await receiver.start();
    database = await createTestDatabase("sqlite");
    server = await startServer(
      loadConfig({
        ...database.env,
        FANFARE_CONSUMER_PORT: "0",
        FANFARE_ADMIN_PORT: "0",
        FANFARE_LOG_LEVEL: "silent",
        FANFARE_USAGE_FLUSH_MS: "200",
        FANFARE_OTP_DELIVERY: "webhook",
        FANFARE_OTP_WEBHOOK_URL: deliveryUrl,
        ...LOOPBACK_ALLOWED,
      }),
    );
    const created = await createOrganization(server.deps, {
      name: "Acme Drops",
      plan: "enterprise",
      rateLimitPerMinute: 100_000,
    });
    keys = created.keys;
    await addOwner(server.deps, created.organization.id, OPERATOR, CLI_ACTOR);
    browser = await launchChromium();
    // axe-core is injected as a script, which the dashboard's content security policy would refuse.
    page = await (await browser.newContext({ viewport: { width: 1280, height: 900 }, bypassCSP: true })).newPage();
  });
  afterAll(async () => {
    clearInterval(pushing);
    await browser?.close();
    await server?.shutdown();
    await receiver?.stop();
    await database?.drop();
  });

  const consumerApi = (path: string, init: { method?: string; token?: string; body?: unknown } = {}) =>
    fetch(`${server.consumerUrl}/api/v1${path}`, {
      method: init.method ?? "POST",
      headers: {
        "x-publishable-key": keys.publishableLive,
        ...(init.token ? { authorization: `Bearer ${init.token}` } : {}),
        ...(init.body ? { "content-type": "application/json" } : {}),
      },
      ...(init.body ? { body: JSON.stringify(init.body) } : {}),
    });

  /** A guest shopper who joins the line; its answer's status (201 when a place was taken). */
  async function shopperEnters(): Promise<number> {
    const guest = await (await consumerApi("/auth/guest")).json();
    const entered = await consumerApi(`/queues/${queueId}/enter`, { token: guest.accessToken });
    if (entered.status === 201) pushed++;
    return entered.status;
  }

  /** A shopper who signed in with an email code, then joins: the live view shows the address masked. */
  async function signedInShopperEnters(email: string): Promise<void> {
    const before = receiver.received.length;
    await consumerApi("/auth/otp/request", { body: { email } });
    const code = await deliveredCode(receiver, email, before);
    const session = await (await consumerApi("/auth/otp/verify", { body: { email, code } })).json();
    expect((await consumerApi(`/queues/${queueId}/enter`, { token: session.accessToken })).status).toBe(201);
    pushed++;
  }

  const badge = (text: string) => page.locator(".badge", { hasText: new RegExp(`^${text}$`) });
  const stat = (label: string) => page.getByTestId("live-stats").locator(".stat", { hasText: label }).locator("dd");

  async function accessibilityViolations(): Promise<{ id: string; impact: string; nodes: unknown[] }[]> {
    await page.addScriptTag({ path: AXE });
    const results = await page.evaluate(async () => {
      const axe = (window as unknown as { axe: { run: (context: Document) => Promise<{ violations: unknown[] }> } })
        .axe;
      return axe.run(document);
    });
    return (results.violations as { id: string; impact: string; nodes: unknown[] }[]).filter(
      (violation) => violation.impact === "serious" || violation.impact === "critical",
    );
  }

  it("creates a drop and its queue, then runs it from the live view while shoppers arrive", async () => {
    await page.goto(`${server.adminUrl}/dashboard/sign-in`);
    await page.getByLabel("Email").fill(OPERATOR);
    const sent = receiver.received.length;
    await page.getByRole("button", { name: "Send code" }).click();
    await page.getByLabel("Verification code").fill(await deliveredCode(receiver, OPERATOR, sent));
    await page.getByRole("button", { name: "Sign in" }).click();
    await page.getByRole("heading", { level: 1, name: "API keys" }).waitFor();

    await page.getByRole("navigation", { name: "Main" }).getByRole("link", { name: "Drops" }).click();
    await page.getByRole("heading", { level: 1, name: "Drops" }).waitFor();
    await page.getByRole("button", { name: "New experience" }).click();
    const newExperience = page.getByRole("dialog", { name: "New experience" });
    await newExperience.getByLabel("Name").fill("Sneaker launch");
    await newExperience.getByRole("button", { name: "Create experience" }).click();
    await page.getByRole("heading", { name: "Queues of Sneaker launch" }).waitFor();
    await page.getByRole("button", { name: "New queue" }).click();
    const newQueue = page.getByRole("dialog", { name: "New queue" });
    await newQueue.getByLabel("Name").fill("Main line");
    await newQueue.getByLabel("Admission window (minutes to check out)").fill("10");
    await newQueue.getByRole("button", { name: "Create queue" }).click();
    await page.getByRole("cell", { name: "Open" }).waitFor();
    expect(await accessibilityViolations()).toEqual([]);
    await page.screenshot({ path: `${SCREENSHOTS}drops.png`, fullPage: true });

    await page.getByRole("link", { name: "Live view of Main line" }).click();
    await page.getByRole("heading", { level: 1, name: "Main line" }).waitFor();
    queueId = page.url().split("/").at(-1) ?? "";
    expect(queueId).toMatch(/^queue_/);
    await badge("Live").waitFor();

    // The drop: shoppers keep arriving while the operator works.
    await signedInShopperEnters("first.shopper@example.com");
    await signedInShopperEnters("second.shopper@example.com");
    for (let i = 0; i < 20; i++) await shopperEnters();
    // One a second: guest sessions are limited to 120 a minute per client address.
    pushing = setInterval(() => {
      void shopperEnters().catch(() => {});
    }, 1000);
    await expect.poll(async () => Number(await stat("Waiting").textContent()), { timeout: 10_000 }).toBeGreaterThan(22);
    await page.getByRole("cell", { name: "f•••@example.com" }).waitFor();

    // Keyboard only: past the skip link, Tab reaches every action of the page in reading order.
    await page.getByRole("link", { name: "Skip to content" }).focus();
    await page.keyboard.press("Enter");
    const reached: string[] = [];
    for (let i = 0; i < 12; i++) {
      await page.keyboard.press("Tab");
      reached.push(await page.evaluate(() => document.activeElement?.textContent?.trim() ?? ""));
    }
    expect(reached).toEqual(expect.arrayContaining(["Admit next…", "Pause entry", "Extend admissions…", "Deny"]));
    expect(reached.indexOf("Admit next…")).toBeLessThan(reached.indexOf("Deny"));
    // Then the count typed and the admission confirmed without a pointer.
    await page.getByRole("button", { name: "Admit next…" }).focus();
    await page.keyboard.press("Enter");
    const admitDialog = page.getByRole("dialog", { name: "Admit the next shoppers" });
    await admitDialog.waitFor();
    await page.keyboard.press("Shift+Tab");
    await page.keyboard.press("ControlOrMeta+A");
    await page.keyboard.type("5");
    await page.keyboard.press("Enter");
    await page.getByText("Admitted 5 shoppers.").waitFor();
    await expect.poll(async () => stat("Admitted").textContent(), { timeout: 1500 }).toBe("5");
    await expect.poll(async () => stat("Enter p50").textContent(), { timeout: 5000 }).toMatch(/^\d+ ms$/);
    await page.screenshot({ path: `${SCREENSHOTS}drop-control-room.png`, fullPage: true });
    expect(await accessibilityViolations()).toEqual([]);

    const first = page.getByRole("row").nth(1);
    const denied = (await first.getByRole("rowheader").textContent()) ?? "";
    await first.getByRole("button", { name: `Deny ${denied}` }).click();
    await page.getByRole("dialog", { name: "Deny this shopper" }).getByRole("button", { name: "Deny shopper" }).click();
    await expect.poll(async () => stat("Denied").textContent(), { timeout: 1500 }).toBe("1");

    await page.getByRole("button", { name: "Pause entry" }).click();
    await page.getByRole("dialog", { name: "Pause entry" }).getByRole("button", { name: "Pause entry" }).click();
    await badge("Entry paused").waitFor({ timeout: 1500 });
    clearInterval(pushing);
    expect(await shopperEnters()).toBe(423);
    await page.getByRole("button", { name: "Resume entry" }).click();
    await page.getByRole("dialog", { name: "Resume entry" }).getByRole("button", { name: "Resume entry" }).click();
    await badge("Open").waitFor({ timeout: 1500 });
    expect(await shopperEnters()).toBe(201);

    await page.getByRole("button", { name: "Extend admissions…" }).click();
    const extend = page.getByRole("dialog", { name: "Extend running admissions" });
    await extend.getByLabel("Minutes to add").selectOption("15");
    await extend.getByRole("button", { name: "Extend" }).click();
    await page.getByText("Gave 5 running admissions 15 more minutes.").waitFor();

    const audit = await (
      await fetch(`${server.adminUrl}/api/v1/audit-log?first=50`, {
        headers: { authorization: `Bearer ${keys.secretLive}` },
      })
    ).json();
    const actions = (audit.data as { action: string; actor: { type: string } }[])
      .filter((entry) => entry.action.startsWith("queue."))
      .map((entry) => entry.action);
    expect(actions).toEqual(
      expect.arrayContaining([
        "queue.admitted_next",
        "queue.consumer_denied",
        "queue.updated",
        "queue.admissions_extended",
      ]),
    );
    expect(pushed).toBeGreaterThan(22);

    // Back on the drops page: change the queue, then delete it, each confirmed.
    await page.getByRole("link", { name: "Drops" }).first().click();
    await page.getByRole("button", { name: "Queues of Sneaker launch" }).click();
    await page.getByRole("button", { name: "Edit Main line" }).click();
    const edit = page.getByRole("dialog", { name: "Edit Main line" });
    await edit.getByLabel("Capacity (places; empty: no limit)").fill("500");
    await edit.getByRole("button", { name: "Save changes" }).click();
    await page.getByRole("cell", { name: "500" }).waitFor();
    await page.getByRole("button", { name: "Delete Main line" }).click();
    await page.getByRole("dialog", { name: "Delete queue" }).getByRole("button", { name: "Delete queue" }).click();
    await page.getByText("No queues yet.").waitFor();
  });
});
