import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createTestServer, type TestServer } from "./harness.js";
import { call } from "./http.js";

describe("dashboard files on the admin port", () => {
  const built = mkdtempSync(join(tmpdir(), "fanfare-dashboard-"));
  const missing = mkdtempSync(join(tmpdir(), "fanfare-no-dashboard-"));
  let server: TestServer;
  let unbuilt: TestServer;

  beforeAll(async () => {
    mkdirSync(join(built, "assets"));
    writeFileSync(join(built, "index.html"), '<!doctype html><div id="root"></div>');
    writeFileSync(join(built, "assets", "index-abc123.js"), "console.log('dashboard')");
    server = await createTestServer("sqlite", { FANFARE_DASHBOARD_DIR: built });
    unbuilt = await createTestServer("sqlite", { FANFARE_DASHBOARD_DIR: missing });
  });
  afterAll(async () => {
    await Promise.all([server.close(), unbuilt.close()]);
    rmSync(built, { recursive: true, force: true });
    rmSync(missing, { recursive: true, force: true });
  });

  it("serves the app's page for every dashboard path, with a strict content security policy", async () => {
    for (const path of ["/dashboard", "/dashboard/", "/dashboard/keys", "/dashboard/accept-invitation?code=x"]) {
      const response = await call(server.admin, "GET", path);
      expect(response.statusCode, path).toBe(200);
      expect(response.body).toContain('<div id="root">');
      expect(response.headers["content-type"]).toBe("text/html; charset=utf-8");
      expect(response.headers["content-security-policy"]).toContain("script-src 'self'");
      expect(response.headers["x-frame-options"]).toBe("DENY");
      expect(response.headers["cache-control"]).toBe("no-cache");
    }
  });

  it("serves hashed assets with a long cache lifetime, and only on the admin port", async () => {
    const asset = await call(server.admin, "GET", "/dashboard/assets/index-abc123.js");
    expect(asset.statusCode).toBe(200);
    expect(asset.body).toBe("console.log('dashboard')");
    expect(asset.headers["cache-control"]).toBe("public, max-age=31536000, immutable");
    expect((await call(server.consumer, "GET", "/dashboard")).statusCode).toBe(404);
  });

  it("says how to build the dashboard when it has not been built", async () => {
    const response = await call(unbuilt.admin, "GET", "/dashboard/keys");
    expect(response.statusCode).toBe(503);
    expect(response.body).toContain("npm run build");
  });
});
