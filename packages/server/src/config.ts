import { accessSync, chmodSync, constants, existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { isIP } from "node:net";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { parseCidr } from "./lib/ip.js";
import { randomBase62 } from "./lib/secrets.js";
import { readTlsCredentials, type TlsFiles } from "./lib/tls-credentials.js";

export type LogLevel = "fatal" | "error" | "warn" | "info" | "debug" | "trace" | "silent";
const LOG_LEVELS: readonly LogLevel[] = ["fatal", "error", "warn", "info", "debug", "trace", "silent"];

export interface Config {
  readonly production: boolean;
  readonly dataDir: string;
  /** `postgres://…` when set; otherwise SQLite at `<dataDir>/fanfare.db`. */
  readonly databaseUrl: string | undefined;
  readonly redisUrl: string | undefined;
  readonly host: string;
  readonly consumerPort: number;
  readonly adminPort: number;
  readonly secret: string;
  /** Where the secret came from: the environment, or a file generated for development. */
  readonly secretSource: "env" | "generated-file";
  readonly logLevel: LogLevel;
  readonly bodyLimitBytes: number;
  /** Proxies whose X-Forwarded-For is believed when finding the client IP (IPs or CIDRs). */
  readonly trustedProxies: readonly string[];
  /** Per-IP rate limits count an IPv6 client by this many leading bits (its /64 by default); IPv4 by its address. */
  readonly ipv6RateLimitPrefix: number;
  /** Private ranges webhooks and code delivery may reach (metadata addresses never are). */
  readonly outboundAllowCidrs: readonly string[];
  /** How often buffered usage counters and `last_used_at` times are written. */
  readonly usageFlushMs: number;
  /** Live streams (`GET /queues/:id/events`) this process holds open at once, all organizations together. */
  readonly liveStreamsMax: number;
  /** With Redis unreachable: `open` keeps serving with per-process limits, `closed` refuses (503). */
  readonly rateLimitFailureMode: "open" | "closed";
  /** A dashboard session ends after this long without a request (and after 12 hours regardless). */
  readonly dashboardIdleMinutes: number;
  /** Where the built dashboard is served from (`apps/dashboard/dist` by default). */
  readonly dashboardDir: string;
  /** The admin API's origin as users reach it (links such as an invitation's accept URL), never taken from a request. */
  readonly publicAdminUrl: string;
  /** Where live-mode one-time codes go. Test mode never delivers: codes go to the test outbox. */
  readonly otpDelivery:
    | { provider: "none" }
    | { provider: "console" }
    | { provider: "smtp"; url: string; from: string }
    | { provider: "webhook"; url: string; secret: string | undefined };
  /** Waits before each retry of a one-time code whose delivery failed transiently; then it is given up. */
  readonly codeDeliveryRetriesMs: readonly number[];
  /** Both APIs serve HTTPS with this certificate and key when set (reloaded on SIGHUP). */
  readonly tls: TlsFiles | undefined;
  /** After SIGTERM, the process exits by this deadline even if requests or flushes are stuck. */
  readonly shutdownTimeoutMs: number;
  /** A request whose headers and body have not all arrived by then gets 408 and its connection closes. */
  readonly requestTimeoutMs: number;
  /** A cache invalidation not broadcast by then (Redis or PostgreSQL hung) is given up. */
  readonly invalidationPublishTimeoutMs: number;
  /** When set, `/metrics` answers only `Authorization: Bearer <this>`. */
  readonly metricsToken: string | undefined;
}

/** A configuration problem, always naming the variable at fault. */
export class ConfigError extends Error {
  constructor(
    readonly variable: string,
    problem: string,
  ) {
    super(`Invalid configuration: ${variable} ${problem}`);
    this.name = "ConfigError";
  }
}

// From src/ or dist/ of packages/server to the dashboard's build output.
// (Path arithmetic, not `new URL`: browser-like test environments replace the URL global.)
const DEFAULT_DASHBOARD_DIR = join(dirname(fileURLToPath(import.meta.url)), "../../../apps/dashboard/dist");

type Env = Readonly<Record<string, string | undefined>>;

function readPort(env: Env, name: string, fallback: number): number {
  const raw = env[name];
  if (raw === undefined || raw === "") return fallback;
  const port = Number(raw);
  if (!/^\d+$/.test(raw) || port > 65535) {
    throw new ConfigError(name, `must be a port number from 0 to 65535 (got "${raw}")`);
  }
  return port;
}

function readPositiveInt(env: Env, name: string, fallback: number): number {
  const raw = env[name];
  if (raw === undefined || raw === "") return fallback;
  if (!/^\d+$/.test(raw) || Number(raw) < 1) {
    throw new ConfigError(name, `must be a positive whole number (got "${raw}")`);
  }
  return Number(raw);
}

function readIntInRange(env: Env, name: string, fallback: number, min: number, max: number): number {
  const value = readPositiveInt(env, name, fallback);
  if (value < min || value > max) throw new ConfigError(name, `must be between ${min} and ${max} (got ${value})`);
  return value;
}

function readUrl(env: Env, name: string, protocols: readonly string[]): string | undefined {
  const raw = env[name];
  if (raw === undefined || raw === "") return undefined;
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    throw new ConfigError(name, `must be a URL (${protocols.join(" or ")})`);
  }
  if (!protocols.includes(url.protocol)) {
    throw new ConfigError(name, `must use ${protocols.join(" or ")} (got "${url.protocol}")`);
  }
  return raw;
}

/** A comma-separated list of IP addresses or CIDR ranges; empty when unset. `what` names them in the error. */
function readAddressRanges(env: Env, name: string, what: string): string[] {
  const raw = env[name];
  if (raw === undefined || raw.trim() === "") return [];
  return raw.split(",").map((entry) => {
    const value = entry.trim();
    if (!parseCidr(value))
      throw new ConfigError(name, `must be a comma-separated list of ${what} (bad entry "${value}")`);
    return value;
  });
}

/**
 * An origin (scheme, host, port) and nothing else: links built on it must not depend on what a
 * request claims in its Host header. By default the admin API's own address.
 */
function readPublicAdminUrl(env: Env, host: string, adminPort: number): string {
  const name = "FANFARE_PUBLIC_ADMIN_URL";
  const raw = env[name];
  if (raw === undefined || raw === "") {
    const reachable = host === "0.0.0.0" || host === "::" ? "127.0.0.1" : host;
    return `http://${isIP(reachable) === 6 ? `[${reachable}]` : reachable}:${adminPort}`;
  }
  const url = URL.canParse(raw) ? new URL(raw) : undefined;
  const originOnly = url && url.pathname === "/" && !url.search && !url.hash && !url.username && !url.password;
  if (!url || !["http:", "https:"].includes(url.protocol) || !originOnly) {
    throw new ConfigError(name, `must be an http(s) origin such as https://admin.example.com (got "${raw}")`);
  }
  return url.origin;
}

const SECRET_FILE = "secret";
const MIN_SECRET_BYTES = 32;

/**
 * In development a missing FANFARE_SECRET is generated once and kept in the data directory
 * (mode 0600), so keys and digests survive restarts; production must provide it.
 */
function resolveSecret(env: Env, dataDir: string, production: boolean): Pick<Config, "secret" | "secretSource"> {
  const fromEnv = env.FANFARE_SECRET;
  if (fromEnv !== undefined && fromEnv !== "") {
    if (Buffer.byteLength(fromEnv, "utf8") < MIN_SECRET_BYTES) {
      throw new ConfigError("FANFARE_SECRET", `must be at least ${MIN_SECRET_BYTES} bytes long`);
    }
    return { secret: fromEnv, secretSource: "env" };
  }
  if (production) throw new ConfigError("FANFARE_SECRET", "is required when NODE_ENV=production");
  const file = join(dataDir, SECRET_FILE);
  if (existsSync(file)) {
    const stored = readFileSync(file, "utf8").trim();
    if (Buffer.byteLength(stored, "utf8") < MIN_SECRET_BYTES) {
      throw new ConfigError("FANFARE_SECRET", `is unset and the generated secret in ${file} is too short`);
    }
    return { secret: stored, secretSource: "generated-file" };
  }
  mkdirSync(dataDir, { recursive: true });
  const generated = randomBase62(64);
  writeFileSync(file, `${generated}\n`, { mode: 0o600, flag: "wx" });
  chmodSync(file, 0o600);
  return { secret: generated, secretSource: "generated-file" };
}

function readOtpDelivery(env: Env, production: boolean): Config["otpDelivery"] {
  // Console delivery prints codes: never on a production server.
  const provider = env.FANFARE_OTP_DELIVERY || (production ? "none" : "console");
  if (provider === "none") return { provider };
  if (provider === "console") {
    if (production) throw new ConfigError("FANFARE_OTP_DELIVERY", "cannot be console when NODE_ENV=production");
    return { provider };
  }
  if (provider === "smtp") {
    const url = readUrl(env, "FANFARE_SMTP_URL", ["smtp:", "smtps:"]);
    if (!url) throw new ConfigError("FANFARE_SMTP_URL", "is required when FANFARE_OTP_DELIVERY=smtp");
    return { provider, url, from: env.FANFARE_SMTP_FROM || "Fanfare <no-reply@fanfare.local>" };
  }
  if (provider === "webhook") {
    const url = readUrl(env, "FANFARE_OTP_WEBHOOK_URL", ["https:", "http:"]);
    if (!url) throw new ConfigError("FANFARE_OTP_WEBHOOK_URL", "is required when FANFARE_OTP_DELIVERY=webhook");
    const secret = env.FANFARE_OTP_WEBHOOK_SECRET || undefined;
    if (secret !== undefined && (secret.length < 32 || /\s/.test(secret))) {
      throw new ConfigError("FANFARE_OTP_WEBHOOK_SECRET", "must be at least 32 characters without spaces");
    }
    return { provider, url, secret };
  }
  throw new ConfigError("FANFARE_OTP_DELIVERY", `must be none, console, smtp or webhook (got "${provider}")`);
}

function readRetryDelays(env: Env, name: string, fallback: readonly number[]): readonly number[] {
  const raw = env[name];
  if (raw === undefined || raw.trim() === "") return fallback;
  const delays = raw.split(",").map((part) => part.trim());
  const valid = delays.length <= 10 && delays.every((part) => /^\d+$/.test(part) && Number(part) <= 600_000);
  if (!valid) {
    throw new ConfigError(
      name,
      `must be up to 10 comma-separated waits in milliseconds, each at most 600000 (got "${raw}")`,
    );
  }
  return delays.map(Number);
}

const MIN_METRICS_TOKEN_LENGTH = 16;

/** Printable ASCII without spaces (it travels as a bearer token), long enough not to be guessed. */
function readMetricsToken(env: Env): string | undefined {
  const name = "FANFARE_METRICS_TOKEN";
  const raw = env[name];
  if (raw === undefined || raw === "") return undefined;
  if (!/^[\x21-\x7e]+$/.test(raw) || raw.length < MIN_METRICS_TOKEN_LENGTH) {
    throw new ConfigError(
      name,
      `must be at least ${MIN_METRICS_TOKEN_LENGTH} printable ASCII characters without spaces (got ${raw.length} characters)`,
    );
  }
  return raw;
}

function readTls(env: Env): TlsFiles | undefined {
  const certFile = env.FANFARE_TLS_CERT_FILE || undefined;
  const keyFile = env.FANFARE_TLS_KEY_FILE || undefined;
  if (!certFile && !keyFile) return undefined;
  if (!certFile) throw new ConfigError("FANFARE_TLS_CERT_FILE", "is required when FANFARE_TLS_KEY_FILE is set");
  if (!keyFile) throw new ConfigError("FANFARE_TLS_KEY_FILE", "is required when FANFARE_TLS_CERT_FILE is set");
  for (const [variable, file] of [
    ["FANFARE_TLS_CERT_FILE", certFile],
    ["FANFARE_TLS_KEY_FILE", keyFile],
  ] as const) {
    try {
      accessSync(file, constants.R_OK);
    } catch {
      throw new ConfigError(variable, `must name a readable file (cannot read "${file}")`);
    }
  }
  const files = { certFile: resolve(certFile), keyFile: resolve(keyFile) };
  try {
    readTlsCredentials(files);
  } catch (err) {
    const reason = err instanceof Error ? err.message : String(err);
    throw new ConfigError(
      "FANFARE_TLS_CERT_FILE",
      `and FANFARE_TLS_KEY_FILE must be a PEM certificate and its private key (${reason})`,
    );
  }
  return files;
}

/** Reads and validates the environment once; the result is frozen. The only reader of process.env. */
function readFailureMode(env: Env): Config["rateLimitFailureMode"] {
  const mode = env.FANFARE_RATE_LIMIT_FAILURE_MODE || "open";
  if (mode !== "open" && mode !== "closed") {
    throw new ConfigError("FANFARE_RATE_LIMIT_FAILURE_MODE", `must be open or closed (got "${mode}")`);
  }
  return mode;
}

export function loadConfig(env: Env = process.env): Config {
  const production = env.NODE_ENV === "production";
  const dataDir = resolve(env.FANFARE_DATA_DIR || "./data");
  const logLevel = (env.FANFARE_LOG_LEVEL || "info") as LogLevel;
  if (!LOG_LEVELS.includes(logLevel)) {
    throw new ConfigError("FANFARE_LOG_LEVEL", `must be one of ${LOG_LEVELS.join(", ")} (got "${logLevel}")`);
  }
  const host = env.FANFARE_HOST || "127.0.0.1";
  const adminPort = readPort(env, "FANFARE_ADMIN_PORT", 4001);
  const config: Config = {
    production,
    dataDir,
    databaseUrl: readUrl(env, "FANFARE_DATABASE_URL", ["postgres:", "postgresql:"]),
    redisUrl: readUrl(env, "FANFARE_REDIS_URL", ["redis:", "rediss:"]),
    host,
    consumerPort: readPort(env, "FANFARE_CONSUMER_PORT", 4000),
    adminPort,
    logLevel,
    bodyLimitBytes: readPositiveInt(env, "FANFARE_BODY_LIMIT_BYTES", 64 * 1024),
    trustedProxies: readAddressRanges(env, "FANFARE_TRUSTED_PROXIES", "IP addresses or CIDR ranges"),
    ipv6RateLimitPrefix: readIntInRange(env, "FANFARE_IPV6_RATE_LIMIT_PREFIX", 64, 32, 128),
    outboundAllowCidrs: readAddressRanges(env, "FANFARE_OUTBOUND_ALLOW_CIDRS", "CIDR ranges, e.g. 10.1.0.0/16"),
    usageFlushMs: readIntInRange(env, "FANFARE_USAGE_FLUSH_MS", 1000, 100, 60_000),
    liveStreamsMax: readIntInRange(env, "FANFARE_LIVE_STREAMS_MAX", 1000, 1, 100_000),
    dashboardIdleMinutes: readIntInRange(env, "FANFARE_DASHBOARD_IDLE_MINUTES", 30, 5, 720),
    dashboardDir: resolve(env.FANFARE_DASHBOARD_DIR || DEFAULT_DASHBOARD_DIR),
    publicAdminUrl: readPublicAdminUrl(env, host, adminPort),
    rateLimitFailureMode: readFailureMode(env),
    otpDelivery: readOtpDelivery(env, production),
    codeDeliveryRetriesMs: readRetryDelays(env, "FANFARE_CODE_DELIVERY_RETRIES_MS", [1000, 5000, 25_000]),
    tls: readTls(env),
    shutdownTimeoutMs: readIntInRange(env, "FANFARE_SHUTDOWN_TIMEOUT_MS", 30_000, 1000, 600_000),
    requestTimeoutMs: readIntInRange(env, "FANFARE_REQUEST_TIMEOUT_MS", 10_000, 1000, 600_000),
    invalidationPublishTimeoutMs: readIntInRange(env, "FANFARE_INVALIDATION_PUBLISH_TIMEOUT_MS", 1000, 50, 10_000),
    metricsToken: readMetricsToken(env),
    ...resolveSecret(env, dataDir, production),
  };
  return Object.freeze(config);
}
