import { existsSync, mkdirSync } from "node:fs";
import { fileURLToPath } from "node:url";
import type { Browser, BrowserContext, Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { loadConfig } from "../../../packages/server/src/config.js";
import { verifyWebhook } from "../../../packages/server/src/lib/webhook-signature.js";
import { type RunningServer, startServer } from "../../../packages/server/src/main.js";
import { CLI_ACTOR } from "../../../packages/server/src/modules/audit/service.js";
import { addOwner } from "../../../packages/server/src/modules/members/service.js";
import { type BootstrapKeys, createOrganization } from "../../../packages/server/src/modules/orgs/service.js";
import { deliveredCode } from "../../../packages/server/test/dashboard-member.js";
import { createTestDatabase, type TestDatabase } from "../../../packages/server/test/harness.js";
import { LOOPBACK_ALLOWED, type Received, WebhookReceiver } from "../../../packages/server/test/webhook-receiver.js";
import { chromiumAvailable, launchChromium } from "./browser.js";

const SCREENSHOTS = fileURLToPath(new URL("../../../docs/screenshots/", import.meta.url));
const BUILT = existsSync(fileURLToPath(new URL("../dist/index.html", import.meta.url)));
const OWNER = "owner@shop.example";

// CI must run this; elsewhere a missing browser or build is a printed skip, not a failure.
const runnable = process.env.CI === "true" || (chromiumAvailable() && BUILT);
if (!runnable) {
  console.warn(
    `[dashboard-e2e] skipped: ${chromiumAvailable() ? "" : "no /usr/bin/chromium (apt-get install chromium); "}${BUILT ? "" : "dashboard not built (npm run build)"}`,
  );
}

describe.runIf(runnable)("dashboard in a real browser", () => {
  let database: TestDatabase;
  let server: RunningServer;
  let receiver: WebhookReceiver;
  let deliveryUrl: string;
  let browser: Browser;
  let context: BrowserContext;
  let page: Page;
  let keys: BootstrapKeys;
  let webhookSecret: string;

  beforeAll(async () => {
    mkdirSync(SCREENSHOTS, { recursive: true });
    receiver = new WebhookReceiver();
    deliveryUrl = await receiver.start();
    database = await createTestDatabase("sqlite");
    server = await startServer(
      loadConfig({
        ...database.env,
        FANFARE_CONSUMER_PORT: "0",
        FANFARE_ADMIN_PORT: "0",
        FANFARE_LOG_LEVEL: "silent",
        FANFARE_OTP_DELIVERY: "webhook",
        FANFARE_OTP_WEBHOOK_URL: deliveryUrl,
        ...LOOPBACK_ALLOWED,
      }),
    );
    const created = await createOrganization(server.deps, { name: "Acme Drops", plan: "pro" });
    keys = created.keys;
    await addOwner(server.deps, created.organization.id, OWNER, CLI_ACTOR);
    browser = await launchChromium();
    context = await browser.newContext({ viewport: { width: 1280, height: 800 } });
    await context.grantPermissions(["clipboard-read", "clipboard-write"], { origin: server.adminUrl });
    page = await context.newPage();
  });
  afterAll(async () => {
    await browser?.close();
    await server?.shutdown();
    await receiver?.stop();
    await database?.drop();
  });

  const shot = (name: string, target: Page = page) =>
    target.screenshot({ path: `${SCREENSHOTS}${name}.png`, fullPage: true });
  const admin = (key: string, path = "/api/v1/api-keys") =>
    fetch(`${server.adminUrl}${path}`, { headers: { authorization: `Bearer ${key}` } });

  async function signIn(target: Page, email: string): Promise<void> {
    await target.getByLabel("Email").fill(email);
    const sent = receiver.received.length;
    await target.getByRole("button", { name: "Send code" }).click();
    const code = await deliveredCode(receiver, email, sent);
    await target.getByLabel("Verification code").fill(code);
    await target.getByRole("button", { name: "Sign in" }).click();
    await target.getByRole("heading", { level: 1, name: "API keys" }).waitFor();
  }

  /** Opens a key's action menu and confirms one action in its dialog. */
  async function keyAction(name: string, item: string, confirm: string): Promise<void> {
    await page.getByRole("button", { name: `Actions for ${name}` }).click();
    await page.getByRole("menuitem", { name: item }).click();
    await page.getByRole("dialog").getByRole("button", { name: confirm }).click();
  }

  /** Reads the shown-once key, copies it with the button, checks the clipboard, and closes the dialog. */
  async function takeShownOnceKey(): Promise<string> {
    const dialog = page.getByRole("dialog", { name: "Your new API key" });
    await dialog.waitFor();
    await dialog.getByText("This key will not be shown again.").waitFor();
    const key = (await dialog.getByTestId("shown-once-key").textContent()) ?? "";
    await dialog.getByRole("button", { name: "Copy" }).click();
    await dialog.getByText("Copied").waitFor();
    expect(await page.evaluate(() => navigator.clipboard.readText())).toBe(key);
    return key;
  }

  async function closeShownOnceKey(key: string): Promise<void> {
    await page.getByRole("dialog", { name: "Your new API key" }).getByRole("button", { name: "Done" }).click();
    await page.getByRole("dialog", { name: "Your new API key" }).waitFor({ state: "hidden" });
    expect(await page.content()).not.toContain(key);
  }

  it("signs the owner in with an emailed code", async () => {
    await page.goto(`${server.adminUrl}/dashboard`);
    await page.getByRole("heading", { level: 1, name: "Sign in" }).waitFor();
    await shot("sign-in");
    await signIn(page, OWNER);
    expect(page.url()).toBe(`${server.adminUrl}/dashboard/keys`);
  });

  it("creates a key, shows it once with a copy button, and the key works on the admin API", async () => {
    await page.getByRole("button", { name: "Create API Key" }).click();
    const dialog = page.getByRole("dialog", { name: "Create API key" });
    await dialog.getByLabel("Name").fill("Checkout server");
    await dialog.getByLabel("Secret").check();
    await shot("create-key");
    await dialog.getByRole("button", { name: "Create key" }).click();
    const key = await takeShownOnceKey();
    expect(key).toMatch(/^sk_live_/);
    await shot("key-shown-once");
    await closeShownOnceKey(key);
    await page.getByRole("row", { name: /Checkout server/ }).waitFor();
    await shot("api-keys");
    expect((await admin(key)).status).toBe(200);

    await keyAction("Checkout server", "Regenerate", "Regenerate key");
    const regenerated = await takeShownOnceKey();
    await closeShownOnceKey(regenerated);
    expect(regenerated).not.toBe(key);
    expect((await admin(key)).status).toBe(401);
    expect((await admin(regenerated)).status).toBe(200);

    await keyAction("Checkout server", "Deactivate", "Deactivate key");
    await page.getByRole("row", { name: /Checkout server.*Inactive/ }).waitFor();
    expect((await admin(regenerated)).status).toBe(401);

    await keyAction("Checkout server", "Delete", "Delete key");
    await page.getByRole("row", { name: /Checkout server/ }).waitFor({ state: "detached" });
  });

  it("shows the changes in the audit log with the member as actor", async () => {
    await page.getByRole("navigation", { name: "Main" }).getByRole("link", { name: "Audit log" }).click();
    await page.getByRole("heading", { level: 1, name: "Audit log" }).waitFor();
    for (const action of ["api_key.created", "api_key.regenerated", "api_key.deactivated", "api_key.deleted"]) {
      await page.getByRole("cell", { name: action, exact: true }).first().waitFor();
    }
    // The actor is the signed-in member, shown by email.
    await page
      .getByRole("cell", { name: new RegExp(`^${OWNER} mbr_`) })
      .first()
      .waitFor();
    await shot("audit-log");
  });

  it("shows usage after traffic", async () => {
    for (let i = 0; i < 5; i++) expect((await admin(keys.secretLive, "/api/v1/organization")).status).toBe(200);
    await server.deps.usage.flush();
    // A shopper's code that the delivery webhook refuses (400: no retry) shows as not delivered.
    receiver.status = 400;
    const requested = await fetch(`${server.consumerUrl}/api/v1/auth/otp/request`, {
      method: "POST",
      headers: { "content-type": "application/json", "x-publishable-key": keys.publishableLive },
      body: JSON.stringify({ email: "shopper@example.com" }),
    });
    expect(requested.status).toBe(200);
    await server.deps.codes.settled();
    receiver.status = 200;
    await page.getByRole("navigation", { name: "Main" }).getByRole("link", { name: "Usage" }).click();
    await page.getByRole("heading", { level: 1, name: "Usage" }).waitFor();
    await page.getByRole("row", { name: /Default secret key/ }).waitFor();
    expect(await page.locator(".stat-warning").textContent()).toBe("Codes not delivered1");
    await shot("usage");
  });

  it("adds a webhook endpoint and shows its signing secret once", async () => {
    await page.getByRole("navigation", { name: "Main" }).getByRole("link", { name: "Webhooks" }).click();
    await page.getByRole("button", { name: "Add endpoint" }).click();
    const dialog = page.getByRole("dialog", { name: "Add webhook endpoint" });
    await dialog.getByLabel("URL").fill(deliveryUrl);
    await dialog.getByLabel("alert.fired").check();
    await dialog.getByLabel("Description").fill("Ops alerts");
    await dialog.getByRole("button", { name: "Add endpoint" }).click();
    const secret = page.getByRole("dialog", { name: "Your webhook signing secret" });
    webhookSecret = (await secret.getByTestId("shown-once-secret").textContent()) ?? "";
    expect(webhookSecret).toMatch(/^whsec_/);
    await secret.getByRole("button", { name: "Done" }).click();
    await page.getByRole("row", { name: /Ops alerts/ }).waitFor();
  });

  /** The first request the receiver got whose JSON body has `type`, waiting up to 10 s for it. */
  async function receivedEvent(type: string): Promise<Received> {
    for (let attempt = 0; attempt < 100; attempt++) {
      const found = receiver.received.find((request) => JSON.parse(request.body).type === type);
      if (found) return found;
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    throw new Error(`no ${type} event received`);
  }

  it("sends a signed test event to the endpoint and lists its delivery", async () => {
    await page.getByRole("button", { name: `Send test event to ${deliveryUrl}` }).click();
    const notice = await page.getByRole("status").filter({ hasText: "Test event" }).textContent();
    const eventId = /evt_\w+/.exec(notice ?? "")?.[0];
    expect(eventId).toMatch(/^evt_/);
    await page.getByRole("heading", { name: `Deliveries to ${deliveryUrl}` }).waitFor();
    await page.getByRole("row", { name: /webhook\.test/ }).waitFor();

    // The server's dispatcher sends it within a second or so, signed with the secret shown once.
    const event = await receivedEvent("webhook.test");
    expect(event.headers["x-fanfare-event-id"]).toBe(eventId);
    const signed = {
      timestamp: String(event.headers["x-fanfare-timestamp"]),
      signature: String(event.headers["x-fanfare-signature"]),
    };
    expect(verifyWebhook(webhookSecret, signed, event.body, Math.floor(Date.now() / 1000))).toBe(true);

    const succeeded = page.getByRole("row", { name: /webhook\.test Succeeded 1 200/ });
    for (let attempt = 0; attempt < 50 && (await succeeded.count()) === 0; attempt++) {
      await page.getByRole("button", { name: "Refresh" }).click();
      await page.waitForTimeout(100);
    }
    await succeeded.waitFor();
  });

  it("renders every other page", async () => {
    for (const name of ["Alerts", "Webhooks", "Settings", "Team"]) {
      await page.getByRole("navigation", { name: "Main" }).getByRole("link", { name }).click();
      await page.getByRole("heading", { level: 1, name }).waitFor();
      await page.waitForLoadState("networkidle");
      await shot(name.toLowerCase());
    }
  });

  it("works at phone width", async () => {
    const phone = await context.newPage();
    await phone.setViewportSize({ width: 390, height: 844 });
    await phone.goto(`${server.adminUrl}/dashboard/keys`);
    await phone.getByRole("heading", { level: 1, name: "API keys" }).waitFor();
    const overflow = await phone.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
    expect(overflow).toBeLessThanOrEqual(0);
    await shot("api-keys-phone", phone);
    await phone.close();
  });

  it("invites a viewer, who signs in and cannot create keys", async () => {
    await page.getByRole("navigation", { name: "Main" }).getByRole("link", { name: "Team" }).click();
    await page.getByRole("heading", { level: 1, name: "Team" }).waitFor();
    const form = page.getByRole("form", { name: "Invite member" });
    await form.getByLabel("Email").fill("viewer@shop.example");
    await form.getByLabel("Role").selectOption("viewer");
    await form.getByRole("button", { name: "Invite" }).click();
    const acceptUrl = new URL((await page.getByTestId("invitation-url").textContent()) ?? "");
    expect(acceptUrl.pathname).toBe("/dashboard/accept-invitation");
    expect(acceptUrl.searchParams.get("code")).toMatch(/^inv_/);

    const viewerContext = await browser.newContext({ viewport: { width: 1280, height: 800 } });
    const viewer = await viewerContext.newPage();
    // The link is on FANFARE_PUBLIC_ADMIN_URL, which cannot name the port this server picked.
    await viewer.goto(`${server.adminUrl}${acceptUrl.pathname}${acceptUrl.search}`);
    // Opening the link only shows the offer; nothing is accepted until the invitee confirms.
    await viewer.getByRole("heading", { level: 1, name: "Accept invitation" }).waitFor();
    await viewer
      .getByRole("definition")
      .filter({ hasText: /^Acme Drops$/ })
      .waitFor();
    await viewer
      .getByRole("definition")
      .filter({ hasText: /^Viewer$/ })
      .waitFor();
    await shot("accept-invitation", viewer);
    const memberEmails = () =>
      page.evaluate(async () => {
        const { data } = await (await fetch("/api/v1/dashboard/members")).json();
        return (data as { email: string }[]).map((member) => member.email);
      });
    expect(await memberEmails()).not.toContain("viewer@shop.example");
    const sent = receiver.received.length;
    await viewer.getByRole("button", { name: "Accept invitation" }).click();
    // The code goes to the invited mailbox and works only in the browser that asked for it.
    const code = await deliveredCode(receiver, "viewer@shop.example", sent);
    await viewer.getByLabel("Verification code").fill(code);
    await viewer.getByRole("button", { name: "Join Acme Drops" }).click();
    await viewer.getByRole("heading", { level: 1, name: "API keys" }).waitFor();
    expect(await memberEmails()).toContain("viewer@shop.example");
    await viewer
      .getByRole("row", { name: /Default secret key/ })
      .first()
      .waitFor();
    expect(await viewer.getByRole("button", { name: "Create API Key" }).count()).toBe(0);
    // The server is the authority: the same request the dialog would send is refused.
    const refused = await viewer.evaluate(async () => {
      const me = await (await fetch("/api/v1/dashboard/me")).json();
      const response = await fetch("/api/v1/api-keys", {
        method: "POST",
        headers: { "content-type": "application/json", "x-csrf-token": me.csrfToken },
        body: JSON.stringify({ name: "sneaky", type: "secret" }),
      });
      return { status: response.status, body: await response.json() };
    });
    expect(refused).toEqual({
      status: 403,
      body: { error: "Permission denied", message: "Your role (viewer) does not allow this. Ask an owner or admin." },
    });
    await viewerContext.close();
  });
});
