import { copyFileSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { request } from "node:https";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { TLSSocket } from "node:tls";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { generateCertificate, type TestCertificate } from "./certificates.js";
import {
  createTestDatabase,
  createTestOrganization,
  createTestServer,
  dialects,
  type TestDatabase,
} from "./harness.js";
import { runCli, type ServerProcess, startServerProcess } from "./process.js";

const HSTS = "max-age=31536000";
// A server process starts slowly on a loaded machine.
const PROCESS_TEST_TIMEOUT_MS = 90_000;

interface HttpsAnswer {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  fingerprint: string;
}

/** One GET over a new TLS connection, trusting only the given certificates. */
function getOverTls(url: string, trusted: string[]): Promise<HttpsAnswer> {
  return new Promise((resolve, reject) => {
    const req = request(url, { ca: trusted, agent: false }, (res) => {
      const fingerprint = (res.socket as TLSSocket).getPeerCertificate().fingerprint256;
      res.resume();
      res.on("end", () => resolve({ status: res.statusCode ?? 0, headers: res.headers, fingerprint }));
    });
    req.on("error", reject);
    req.end();
  });
}

async function waitForLog(server: ServerProcess, text: string): Promise<void> {
  const deadline = Date.now() + 10_000;
  while (!server.stdout().includes(text)) {
    if (Date.now() > deadline) throw new Error(`no log line with "${text}":\n${server.stdout()}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

describe("HTTPS served by Fanfare itself", () => {
  let dir: string;
  let first: TestCertificate;
  let renewed: TestCertificate;
  let database: TestDatabase;
  let server: ServerProcess | undefined;

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), "fanfare-tls-"));
    first = generateCertificate(dir, "first");
    renewed = generateCertificate(dir, "renewed");
    database = await createTestDatabase("sqlite");
  });
  afterAll(async () => {
    server?.child.kill("SIGKILL");
    await database.drop();
    rmSync(dir, { recursive: true, force: true });
  });

  it(
    "serves both APIs over TLS with HSTS in production, and takes a renewed certificate on SIGHUP",
    async () => {
      const certFile = join(dir, "served-cert.pem");
      const keyFile = join(dir, "served-key.pem");
      copyFileSync(first.certFile, certFile);
      copyFileSync(first.keyFile, keyFile);
      server = await startServerProcess({
        ...database.env,
        NODE_ENV: "production",
        FANFARE_TLS_CERT_FILE: certFile,
        FANFARE_TLS_KEY_FILE: keyFile,
        FANFARE_METRICS_TOKEN: "scrape-token-0123456789abcdef",
      });
      const running = server;
      expect(running.consumerUrl).toMatch(/^https:\/\//);
      expect(running.adminUrl).toMatch(/^https:\/\//);
      const trusted = [first.pem, renewed.pem];

      const health = await getOverTls(`${running.consumerUrl}/healthz`, trusted);
      expect(health).toMatchObject({ status: 200, fingerprint: first.fingerprint });
      expect(health.headers["strict-transport-security"]).toBe(HSTS);
      // Refusals carry HSTS too: every answer over TLS does.
      const refused = await getOverTls(`${running.adminUrl}/api/v1/organization`, trusted);
      expect(refused).toMatchObject({ status: 401, fingerprint: first.fingerprint });
      expect(refused.headers["strict-transport-security"]).toBe(HSTS);
      // Nothing is answered in clear text on either port.
      for (const url of [running.consumerUrl, running.adminUrl]) {
        await expect(fetch(`${url.replace("https:", "http:")}/healthz`)).rejects.toThrow();
      }

      copyFileSync(renewed.certFile, certFile);
      copyFileSync(renewed.keyFile, keyFile);
      running.child.kill("SIGHUP");
      await waitForLog(running, `"fingerprint":"${renewed.fingerprint}","msg":"TLS certificate reloaded"`);
      for (const url of [running.consumerUrl, running.adminUrl]) {
        expect(await getOverTls(`${url}/healthz`, trusted)).toMatchObject({
          status: 200,
          fingerprint: renewed.fingerprint,
        });
      }

      // A broken renewal is logged and the working certificate stays.
      writeFileSync(certFile, "not a certificate");
      running.child.kill("SIGHUP");
      await waitForLog(running, "TLS certificate reload failed: still serving the previous certificate");
      for (const url of [running.consumerUrl, running.adminUrl]) {
        expect(await getOverTls(`${url}/healthz`, trusted)).toMatchObject({
          status: 200,
          fingerprint: renewed.fingerprint,
        });
      }

      running.child.kill("SIGTERM");
      expect(await running.exited).toBe(0);
    },
    PROCESS_TEST_TIMEOUT_MS,
  );

  it(
    "refuses to start in production without TLS or a proxy that terminates it",
    () => {
      const result = runCli(["serve"], {
        ...database.env,
        NODE_ENV: "production",
        FANFARE_CONSUMER_PORT: "0",
        FANFARE_ADMIN_PORT: "0",
      });
      expect(result.status).toBe(1);
      expect(result.stderr).toBe(
        "fanfare: Invalid configuration: FANFARE_TLS_CERT_FILE and FANFARE_TLS_KEY_FILE are required when " +
          "NODE_ENV=production, unless FANFARE_TRUSTED_PROXIES names the proxy that terminates HTTPS\n",
      );
    },
    PROCESS_TEST_TIMEOUT_MS,
  );
});

describe.each(dialects())("HTTPS behind a trusted proxy in production (%s)", (dialect) => {
  let server: Awaited<ReturnType<typeof createTestServer>>;
  afterEach(() => server.close());

  it("refuses requests the proxy did not receive over HTTPS, changing nothing, and sends HSTS on the rest", async () => {
    server = await createTestServer(dialect, { NODE_ENV: "production", FANFARE_TRUSTED_PROXIES: "127.0.0.1" });
    const { keys } = await createTestOrganization(server);
    const authorization = `Bearer ${keys.secretLive}`;
    const create = (headers: Record<string, string>, remoteAddress = "127.0.0.1") =>
      server.admin.inject({
        method: "POST",
        url: "/api/v1/api-keys",
        headers: { authorization, ...headers },
        payload: { name: "sent in clear text", type: "secret" },
        remoteAddress,
      });

    for (const refused of [
      await create({ "x-forwarded-proto": "http" }),
      await create({}),
      // Only the trusted proxy is believed: a client cannot claim HTTPS for itself.
      await create({ "x-forwarded-proto": "https" }, "203.0.113.9"),
    ]) {
      expect(refused.statusCode).toBe(426);
      expect(refused.json()).toEqual({
        error: "https_required",
        message: "This API is served over HTTPS only. Send the request to its https:// address.",
      });
      expect(refused.headers.upgrade).toBe("TLS/1.2, HTTP/1.1");
      expect(refused.headers["strict-transport-security"]).toBeUndefined();
    }
    // A merchant's page sees the refusal too (CORS headers are on it).
    const consumerRefused = await server.consumer.inject({
      method: "GET",
      url: "/api/v1/organization",
      headers: {
        "x-publishable-key": keys.publishableLive,
        "x-forwarded-proto": "http",
        origin: "https://shop.example",
      },
    });
    expect(consumerRefused.statusCode).toBe(426);
    expect(consumerRefused.headers["access-control-allow-origin"]).toBe("https://shop.example");

    const list = await server.admin.inject({
      method: "GET",
      url: "/api/v1/api-keys",
      headers: { authorization, "x-forwarded-proto": "https" },
    });
    expect(list.statusCode).toBe(200);
    expect(list.headers["strict-transport-security"]).toBe(HSTS);
    const names = (list.json() as { data: { name: string }[] }).data.map((key) => key.name);
    expect(names).not.toContain("sent in clear text");

    const created = await create({ "x-forwarded-proto": "https" });
    expect(created.statusCode).toBe(201);
    expect(created.headers["strict-transport-security"]).toBe(HSTS);

    // The proxy's health checks reach the server directly, in clear text.
    for (const app of [server.consumer, server.admin]) {
      for (const url of ["/healthz", "/readyz"]) {
        const probe = await app.inject({ method: "GET", url });
        expect(probe.statusCode).toBe(200);
        expect(probe.headers["strict-transport-security"]).toBeUndefined();
      }
    }
  });
});
