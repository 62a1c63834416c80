import { mkdtempSync, readFileSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { ConfigError, loadConfig } from "./config.js";

const SECRET = "s".repeat(32);

function freshDir(): string {
  return mkdtempSync(join(tmpdir(), "fanfare-config-"));
}

function errorOf(env: Record<string, string>): ConfigError {
  try {
    loadConfig({ FANFARE_DATA_DIR: freshDir(), FANFARE_SECRET: SECRET, ...env });
  } catch (err) {
    if (err instanceof ConfigError) return err;
    throw err;
  }
  throw new Error("expected a ConfigError");
}

describe("loadConfig", () => {
  it("applies the documented defaults", () => {
    const config = loadConfig({ FANFARE_DATA_DIR: freshDir(), FANFARE_SECRET: SECRET });
    expect(config).toMatchObject({
      host: "127.0.0.1",
      consumerPort: 4000,
      adminPort: 4001,
      databaseUrl: undefined,
      redisUrl: undefined,
      logLevel: "info",
      bodyLimitBytes: 65536,
      trustedProxies: [],
      production: false,
      secretSource: "env",
      metricsToken: undefined,
    });
    expect(Object.isFrozen(config)).toBe(true);
  });

  it("reads every documented variable", () => {
    const dir = freshDir();
    const config = loadConfig({
      FANFARE_DATA_DIR: dir,
      FANFARE_DATABASE_URL: "postgres://u@db:5432/fanfare",
      FANFARE_REDIS_URL: "redis://cache:6379",
      FANFARE_HOST: "0.0.0.0",
      FANFARE_CONSUMER_PORT: "0",
      FANFARE_ADMIN_PORT: "8081",
      FANFARE_SECRET: SECRET,
      FANFARE_LOG_LEVEL: "warn",
      FANFARE_TRUSTED_PROXIES: "10.0.0.0/8, ::1",
      FANFARE_METRICS_TOKEN: "scrape-token-0123456789",
    });
    expect(config).toMatchObject({
      dataDir: dir,
      databaseUrl: "postgres://u@db:5432/fanfare",
      redisUrl: "redis://cache:6379",
      host: "0.0.0.0",
      consumerPort: 0,
      adminPort: 8081,
      logLevel: "warn",
      trustedProxies: ["10.0.0.0/8", "::1"],
      metricsToken: "scrape-token-0123456789",
    });
  });

  it.each([
    [{ FANFARE_CONSUMER_PORT: "http" }, "FANFARE_CONSUMER_PORT"],
    [{ FANFARE_ADMIN_PORT: "70000" }, "FANFARE_ADMIN_PORT"],
    [{ FANFARE_DATABASE_URL: "mysql://localhost/x" }, "FANFARE_DATABASE_URL"],
    [{ FANFARE_DATABASE_URL: "not a url" }, "FANFARE_DATABASE_URL"],
    [{ FANFARE_REDIS_URL: "http://localhost" }, "FANFARE_REDIS_URL"],
    [{ FANFARE_LOG_LEVEL: "loud" }, "FANFARE_LOG_LEVEL"],
    [{ FANFARE_SECRET: "too-short" }, "FANFARE_SECRET"],
    [{ FANFARE_TRUSTED_PROXIES: "10.0.0.0/99" }, "FANFARE_TRUSTED_PROXIES"],
    [{ FANFARE_OUTBOUND_ALLOW_CIDRS: "10.1.0.0/16,intranet" }, "FANFARE_OUTBOUND_ALLOW_CIDRS"],
    [{ FANFARE_OUTBOUND_ALLOW_CIDRS: "fd00::/129" }, "FANFARE_OUTBOUND_ALLOW_CIDRS"],
    [{ FANFARE_BODY_LIMIT_BYTES: "-5" }, "FANFARE_BODY_LIMIT_BYTES"],
    [{ FANFARE_USAGE_FLUSH_MS: "50" }, "FANFARE_USAGE_FLUSH_MS"],
    [{ FANFARE_RATE_LIMIT_FAILURE_MODE: "maybe" }, "FANFARE_RATE_LIMIT_FAILURE_MODE"],
    [{ FANFARE_METRICS_TOKEN: "too-short" }, "FANFARE_METRICS_TOKEN"],
    [{ FANFARE_METRICS_TOKEN: "has a space in it, somewhere" }, "FANFARE_METRICS_TOKEN"],
    [{ FANFARE_OTP_DELIVERY: "pigeon" }, "FANFARE_OTP_DELIVERY"],
    [{ FANFARE_CODE_DELIVERY_RETRIES_MS: "1000,soon" }, "FANFARE_CODE_DELIVERY_RETRIES_MS"],
    [{ FANFARE_CODE_DELIVERY_RETRIES_MS: "900000" }, "FANFARE_CODE_DELIVERY_RETRIES_MS"],
    [{ FANFARE_OTP_DELIVERY: "smtp" }, "FANFARE_SMTP_URL"],
    [{ FANFARE_OTP_DELIVERY: "webhook", FANFARE_OTP_WEBHOOK_URL: "ftp://x" }, "FANFARE_OTP_WEBHOOK_URL"],
    [
      {
        FANFARE_OTP_DELIVERY: "webhook",
        FANFARE_OTP_WEBHOOK_URL: "https://x.example",
        FANFARE_OTP_WEBHOOK_SECRET: "short",
      },
      "FANFARE_OTP_WEBHOOK_SECRET",
    ],
    [{ NODE_ENV: "production", FANFARE_OTP_DELIVERY: "console" }, "FANFARE_OTP_DELIVERY"],
    [{ FANFARE_PUBLIC_ADMIN_URL: "admin.example.com" }, "FANFARE_PUBLIC_ADMIN_URL"],
    [{ FANFARE_PUBLIC_ADMIN_URL: "ftp://admin.example.com" }, "FANFARE_PUBLIC_ADMIN_URL"],
    [{ FANFARE_PUBLIC_ADMIN_URL: "https://admin.example.com/fanfare" }, "FANFARE_PUBLIC_ADMIN_URL"],
    [{ FANFARE_PUBLIC_ADMIN_URL: "https://user:pass@admin.example.com" }, "FANFARE_PUBLIC_ADMIN_URL"],
  ])("names the bad variable in %j", (env, variable) => {
    const error = errorOf(env);
    expect(error.variable).toBe(variable);
    expect(error.message).toContain(variable);
  });

  it("never repeats a refused metrics token in its message", () => {
    expect(errorOf({ FANFARE_METRICS_TOKEN: "secret token" }).message).not.toContain("secret");
  });

  it("never prints codes on a production server: no server-wide delivery unless configured", () => {
    const dev = loadConfig({ FANFARE_DATA_DIR: freshDir(), FANFARE_SECRET: SECRET });
    expect(dev.otpDelivery).toEqual({ provider: "console" });
    const prod = loadConfig({ NODE_ENV: "production", FANFARE_DATA_DIR: freshDir(), FANFARE_SECRET: SECRET });
    expect(prod.otpDelivery).toEqual({ provider: "none" });
    const smtp = loadConfig({
      FANFARE_DATA_DIR: freshDir(),
      FANFARE_SECRET: SECRET,
      FANFARE_OTP_DELIVERY: "smtp",
      FANFARE_SMTP_URL: "smtp://mail.example.com:587",
    });
    expect(smtp.otpDelivery).toEqual({
      provider: "smtp",
      url: "smtp://mail.example.com:587",
      from: "Fanfare <no-reply@fanfare.local>",
    });
  });

  it("reads the outbound allowlist: none by default, CIDRs when set", () => {
    expect(loadConfig({ FANFARE_DATA_DIR: freshDir(), FANFARE_SECRET: SECRET }).outboundAllowCidrs).toEqual([]);
    const config = loadConfig({
      FANFARE_DATA_DIR: freshDir(),
      FANFARE_SECRET: SECRET,
      FANFARE_OUTBOUND_ALLOW_CIDRS: "10.1.0.0/16, 127.0.0.1/32,fd00:1::/64",
    });
    expect(config.outboundAllowCidrs).toEqual(["10.1.0.0/16", "127.0.0.1/32", "fd00:1::/64"]);
    expect(errorOf({ FANFARE_OUTBOUND_ALLOW_CIDRS: "intranet" }).message).toBe(
      'Invalid configuration: FANFARE_OUTBOUND_ALLOW_CIDRS must be a comma-separated list of CIDR ranges, e.g. 10.1.0.0/16 (bad entry "intranet")',
    );
  });

  it("takes the public admin origin from FANFARE_PUBLIC_ADMIN_URL, else from the admin host and port", () => {
    const base = { FANFARE_DATA_DIR: freshDir(), FANFARE_SECRET: SECRET };
    expect(loadConfig(base).publicAdminUrl).toBe("http://127.0.0.1:4001");
    expect(loadConfig({ ...base, FANFARE_HOST: "::", FANFARE_ADMIN_PORT: "8081" }).publicAdminUrl).toBe(
      "http://127.0.0.1:8081",
    );
    expect(loadConfig({ ...base, FANFARE_HOST: "::1" }).publicAdminUrl).toBe("http://[::1]:4001");
    expect(loadConfig({ ...base, FANFARE_PUBLIC_ADMIN_URL: "https://Admin.Example.com:443/" }).publicAdminUrl).toBe(
      "https://admin.example.com",
    );
  });

  it("requires FANFARE_SECRET in production", () => {
    const error = (() => {
      try {
        loadConfig({ NODE_ENV: "production", FANFARE_DATA_DIR: freshDir() });
      } catch (err) {
        return err as ConfigError;
      }
      throw new Error("expected a ConfigError");
    })();
    expect(error.variable).toBe("FANFARE_SECRET");
    expect(error.message).toMatch(/required when NODE_ENV=production/);
  });

  it("generates a development secret once, private to its owner, and reuses it", () => {
    const dir = freshDir();
    const first = loadConfig({ FANFARE_DATA_DIR: dir });
    expect(first.secretSource).toBe("generated-file");
    expect(Buffer.byteLength(first.secret)).toBeGreaterThanOrEqual(32);
    const file = join(dir, "secret");
    expect(statSync(file).mode & 0o777).toBe(0o600);
    expect(readFileSync(file, "utf8").trim()).toBe(first.secret);
    expect(loadConfig({ FANFARE_DATA_DIR: dir }).secret).toBe(first.secret);
  });

  it("takes a TLS certificate and key only together, readable and forming a pair", () => {
    const dir = freshDir();
    const junk = join(dir, "junk.pem");
    writeFileSync(junk, "not a certificate");
    const missing = join(dir, "missing.pem");
    expect(errorOf({ FANFARE_TLS_CERT_FILE: junk }).variable).toBe("FANFARE_TLS_KEY_FILE");
    expect(errorOf({ FANFARE_TLS_KEY_FILE: junk }).variable).toBe("FANFARE_TLS_CERT_FILE");
    expect(errorOf({ FANFARE_TLS_CERT_FILE: missing, FANFARE_TLS_KEY_FILE: junk }).message).toContain(missing);
    expect(errorOf({ FANFARE_TLS_CERT_FILE: junk, FANFARE_TLS_KEY_FILE: missing }).variable).toBe(
      "FANFARE_TLS_KEY_FILE",
    );
    expect(errorOf({ FANFARE_TLS_CERT_FILE: junk, FANFARE_TLS_KEY_FILE: junk }).message).toMatch(
      /FANFARE_TLS_CERT_FILE and FANFARE_TLS_KEY_FILE must be a PEM certificate and its private key/,
    );
    expect(errorOf({ FANFARE_SHUTDOWN_TIMEOUT_MS: "10" }).variable).toBe("FANFARE_SHUTDOWN_TIMEOUT_MS");
    expect(loadConfig({ FANFARE_DATA_DIR: dir, FANFARE_SECRET: SECRET })).toMatchObject({
      tls: undefined,
      shutdownTimeoutMs: 30_000,
    });
  });
});
