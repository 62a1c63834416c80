import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { CLI_ACTOR } from "../src/modules/audit/service.js";
import { addOwner } from "../src/modules/members/service.js";
import type { BootstrapKeys } from "../src/modules/orgs/service.js";
import { asMember, deliveredCode, signInMember } from "./dashboard-member.js";
import { createTestOrganization, createTestServer, dialects, type TestServer } from "./harness.js";
import { call } from "./http.js";
import { LOOPBACK_ALLOWED, WebhookReceiver } from "./webhook-receiver.js";

const LIVE_KEY_REQUIRED = JSON.stringify({
  error: "live_key_required",
  message: "Organization settings apply to live mode too: change them with a live secret key or from the dashboard.",
});

/** Test keys may read organization-wide settings but never change what live mode uses. */
describe.each(dialects())("organization-wide changes (%s)", (dialect) => {
  let server: TestServer;
  /** The server's own code delivery: where live codes must keep going. */
  let provider: WebhookReceiver;
  let attacker: WebhookReceiver;
  let attackerUrl: string;
  let keys: BootstrapKeys;
  let sequence = 0;

  beforeAll(async () => {
    provider = new WebhookReceiver();
    attacker = new WebhookReceiver();
    const providerUrl = await provider.start();
    attackerUrl = await attacker.start();
    server = await createTestServer(dialect, {
      ...LOOPBACK_ALLOWED,
      FANFARE_OTP_DELIVERY: "webhook",
      FANFARE_OTP_WEBHOOK_URL: providerUrl,
    });
  });
  afterAll(async () => {
    await server.close();
    await Promise.all([provider.stop(), attacker.stop()]);
  });
  beforeEach(async () => {
    server.clock.advance(3600_000);
    ({ keys } = await createTestOrganization(server));
    sequence++;
  });

  const admin = (method: "GET" | "PATCH" | "PUT", path: string, key: string, body?: unknown) =>
    call(server.admin, method, `/api/v1${path}`, { key, body });
  const auditLog = async (key: string) =>
    (await admin("GET", "/audit-log", key)).json().data as { action: string; actor: { type: string } }[];

  it("refuses a test key that points live one-time codes at its own URL, and live codes still go to the provider", async () => {
    const before = (await admin("GET", "/organization", keys.secretTest)).json();
    const hijack = await admin("PATCH", "/organization", keys.secretTest, { otpWebhookUrl: attackerUrl });
    expect(hijack.statusCode).toBe(403);
    expect(hijack.body).toBe(LIVE_KEY_REQUIRED);
    expect((await admin("GET", "/organization", keys.secretLive)).json()).toEqual(before);

    const victim = `victim${sequence}@example.com`;
    const requested = await call(server.consumer, "POST", "/api/v1/auth/otp/request", {
      headers: { "x-publishable-key": keys.publishableLive },
      body: { email: victim },
    });
    expect(requested.statusCode).toBe(200);
    expect(await deliveredCode(provider, victim)).toMatch(/^\d{6}$/);
    expect(attacker.received).toEqual([]);
  });

  it("refuses every organization setting and alert rule change to a test key, changing nothing and auditing nothing", async () => {
    const organization = (await admin("GET", "/organization", keys.secretTest)).json();
    const rules = await admin("GET", "/alert-rules", keys.secretTest);
    expect(rules.statusCode).toBe(200);
    const changes = [
      { allowedOrigins: ["https://evil.example"] },
      { testAllowedOrigins: ["https://evil.example"] },
      { accessTokenTtlSeconds: 86_400 },
      { refreshTokenTtlSeconds: 31_536_000 },
      { smsAllowedCountries: ["US", "GB", "FR"] },
      { name: "Renamed by a test key" },
      { otpWebhookUrl: null },
    ];
    for (const change of changes) {
      const refused = await admin("PATCH", "/organization", keys.secretTest, change);
      expect(refused.statusCode, JSON.stringify(change)).toBe(403);
      expect(refused.body).toBe(LIVE_KEY_REQUIRED);
    }
    const alertsOff = await admin("PUT", "/alert-rules", keys.secretTest, { rateLimitApproaching: { enabled: false } });
    expect(alertsOff.statusCode).toBe(403);
    expect(alertsOff.body).toBe(LIVE_KEY_REQUIRED);

    expect((await admin("GET", "/organization", keys.secretLive)).json()).toEqual(organization);
    expect((await admin("GET", "/alert-rules", keys.secretLive)).json()).toEqual(rules.json());
    expect(await auditLog(keys.secretLive)).toEqual([]);
    expect(await auditLog(keys.secretTest)).toEqual([]);
  });

  it("lets a live key change them, audited in live mode", async () => {
    expect((await admin("PATCH", "/organization", keys.secretLive, { accessTokenTtlSeconds: 600 })).statusCode).toBe(
      200,
    );
    const rules = await admin("PUT", "/alert-rules", keys.secretLive, { errorRate: { enabled: false } });
    expect(rules.json().errorRate.enabled).toBe(false);
    expect((await auditLog(keys.secretLive)).map((entry) => entry.action)).toEqual([
      "alert_rules.updated",
      "organization.updated",
    ]);
    expect(await auditLog(keys.secretTest)).toEqual([]);
  });

  it("lets a dashboard member viewing test mode change them, audited in live mode", async () => {
    const { organization } = await createTestOrganization(server, "Dashboard Org");
    const email = `settings${sequence}@example.com`;
    await addOwner(server.deps, organization.id, email, CLI_ACTOR);
    const member = await signInMember(server.admin, provider, email);
    const asTestMode = { headers: asMember(member, "test") };
    const patched = await call(server.admin, "PATCH", "/api/v1/organization", {
      ...asTestMode,
      body: { smsAllowedCountries: ["US", "CA"] },
    });
    expect(patched.statusCode).toBe(200);
    expect(patched.json().smsAllowedCountries).toEqual(["US", "CA"]);
    const rules = await call(server.admin, "PUT", "/api/v1/alert-rules", {
      ...asTestMode,
      body: { unusedKey: { days: 60 } },
    });
    expect(rules.statusCode).toBe(200);

    const inMode = async (mode: "live" | "test") =>
      (await call(server.admin, "GET", "/api/v1/audit-log", { headers: asMember(member, mode) })).json().data as {
        action: string;
        actor: { type: string };
      }[];
    const live = await inMode("live");
    expect(live.filter((entry) => entry.actor.type === "member").map((entry) => entry.action)).toEqual([
      "alert_rules.updated",
      "organization.updated",
      "member.signed_in",
    ]);
    expect(await inMode("test")).toEqual([]);
  });
});
