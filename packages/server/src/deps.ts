import cluster from "node:cluster";
import type { DestinationStream, Logger } from "pino";
import { pino } from "pino";
import { createInvalidationBus, type InvalidationBus } from "./cache/invalidation.js";
import { VerdictTrust } from "./cache/verdict-trust.js";
import type { Config } from "./config.js";
import { type Db, openDatabase } from "./db/database.js";
import { migrateToLatest } from "./db/migrate.js";
import { logRedaction } from "./http/redact.js";
import { BoundedLogStream } from "./lib/bounded-log-stream.js";
import { type Clock, systemClock } from "./lib/clock.js";
import { DestinationPolicy } from "./lib/outbound/destination-policy.js";
import { OutboundClient } from "./lib/outbound/outbound-client.js";
import { PeriodicTask } from "./lib/periodic-task.js";
import { type DerivedKeys, deriveKeys } from "./lib/secrets.js";
import { Metrics } from "./metrics.js";
import { ExperienceCache } from "./modules/experiences/cache.js";
import { ExpiredRowSweeper } from "./modules/housekeeping/sweeper.js";
import { LastUsedBuffer } from "./modules/keys/last-used.js";
import { KeyVerifier } from "./modules/keys/verify.js";
import { OrganizationCache } from "./modules/orgs/cache.js";
import { CodeSender } from "./modules/otp/code-sender.js";
import {
  consoleDelivery,
  noDelivery,
  type OtpDelivery,
  smtpDelivery,
  webhookDelivery,
} from "./modules/otp/delivery.js";
import { ArrivalWriter } from "./modules/queue-entries/arrival-writer.js";
import { EntryReads } from "./modules/queue-entries/entry-reads.js";
import { QueueActivity } from "./modules/queue-live/activity.js";
import { RefreshTokenReads } from "./modules/sessions/refresh-token-reads.js";
import { SessionLiveness } from "./modules/sessions/session-liveness.js";
import { SessionWriter } from "./modules/sessions/session-writer.js";
import { AccessTokenVerifier } from "./modules/tokens/access-tokens.js";
import { SigningKeyRing } from "./modules/tokens/signing-keys.js";
import { UsageRecorder } from "./modules/usage/recorder.js";
import { WebhookDispatcher } from "./modules/webhooks/dispatcher.js";
import type { RateLimiter } from "./ratelimit/limiter.js";
import { MemoryLimiter } from "./ratelimit/memory.js";
import { RedisLimiter } from "./ratelimit/redis.js";

/** Work that must run before the database closes (buffered counters and the like). */
export type ShutdownTask = () => Promise<void>;

/** Everything both apps share, built once per process. */
export interface Deps {
  readonly config: Config;
  readonly db: Db;
  readonly clock: Clock;
  readonly logger: Logger;
  readonly secrets: DerivedKeys;
  /** What `/metrics` on the admin port shows: counted here by every part of the server. */
  readonly metrics: Metrics;
  /** Cross-process cache invalidation: PostgreSQL NOTIFY (and Redis pub/sub when configured), else SQLite's data_version. */
  readonly invalidation: InvalidationBus;
  readonly keys: KeyVerifier;
  readonly lastUsed: LastUsedBuffer;
  readonly usage: UsageRecorder;
  /** Each queue's arrivals, admissions, refused enters and enter latencies, for the drop's control room. */
  readonly queueActivity: QueueActivity;
  /** Sends stored webhook deliveries; started by the server, driven by hand in tests. */
  readonly webhooks: WebhookDispatcher;
  readonly organizations: OrganizationCache;
  readonly experiences: ExperienceCache;
  readonly signingKeys: SigningKeyRing;
  readonly accessTokens: AccessTokenVerifier;
  /** Queue arrivals of this process, written in group commits. */
  readonly arrivals: ArrivalWriter;
  /** Status polls of this process, read together per queue. */
  readonly entryReads: EntryReads;
  /** Session checks for tokens this process has not seen, asked together. */
  readonly sessionLiveness: SessionLiveness;
  /** New sessions and refresh rotations of this process, written in group commits. */
  readonly sessionWriter: SessionWriter;
  readonly refreshTokenReads: RefreshTokenReads;
  readonly otpDelivery: OtpDelivery;
  /** Sends codes with retries, counts their outcomes, and knows whether the server-wide provider works. */
  readonly codes: CodeSender;
  /** Every HTTP request the server sends to a URL it was given (webhooks, code delivery). */
  readonly outbound: OutboundClient;
  /** Redis when FANFARE_REDIS_URL is set (shared by every process), else in-process. */
  readonly limiter: RateLimiter;
  /** Registers work for graceful shutdown; tasks run in registration order. */
  onShutdown(task: ShutdownTask): void;
  /** Starts the periodic flushes and sweeps: only once the schema is up to date (`prepareDatabase`). */
  startBackgroundWork(): void;
  /** Runs every shutdown task (flushes buffers); safe to call more than once. */
  flush(): Promise<void>;
  /** Flushes, then releases the database and any connections. */
  close(): Promise<void>;
  /** Waits for log lines still queued for stdout, `timeoutMs` at most: a stuck reader never holds up exit. */
  logDrained(timeoutMs: number): Promise<void>;
}

export interface DepsOverrides {
  clock?: Clock;
  /** Where log lines go (tests capture them); stdout by default. */
  logStream?: DestinationStream;
}

export function createLogger(config: Config, stream: DestinationStream): Logger {
  const options = {
    level: config.logLevel,
    redact: logRedaction,
    // A worker of `serve --workers N` says which one it is.
    base: { service: "fanfare", ...(cluster.worker ? { worker: cluster.worker.id } : {}) },
    timestamp: pino.stdTimeFunctions.isoTime,
  };
  return pino(options, stream);
}

/** The process's logger on stdout, through a bounded buffer that drops lines rather than wait. */
function createStdoutLogger(config: Config): { logger: Logger; output: BoundedLogStream } {
  const output = new BoundedLogStream(process.stdout, (lines) =>
    logger.warn({ droppedLogLines: lines }, "stdout was not read fast enough: log lines were dropped"),
  );
  const logger = createLogger(config, output);
  return { logger, output };
}

function createOtpDelivery(config: Config, outbound: OutboundClient): OtpDelivery {
  const choice = config.otpDelivery;
  if (choice.provider === "smtp") return smtpDelivery(choice.url, choice.from);
  if (choice.provider === "webhook") return webhookDelivery(choice.url, outbound, choice.secret);
  if (choice.provider === "none") return noDelivery();
  return consoleDelivery();
}

export function createDeps(config: Config, overrides: DepsOverrides = {}): Deps {
  const { logger, output } = overrides.logStream
    ? { logger: createLogger(config, overrides.logStream), output: undefined }
    : createStdoutLogger(config);
  const db = openDatabase({ databaseUrl: config.databaseUrl, dataDir: config.dataDir });
  const clock = overrides.clock ?? systemClock;
  const secrets = deriveKeys(config.secret);
  const metrics = new Metrics(db, logger);
  const invalidation = createInvalidationBus({
    db,
    databaseUrl: config.databaseUrl,
    redisUrl: config.redisUrl,
    logger,
    publishTimeoutMs: config.invalidationPublishTimeoutMs,
  });
  const trust = new VerdictTrust(invalidation);
  const keys = new KeyVerifier(db, clock, secrets["api-key-digest"], {
    counters: metrics.cacheCounters("api_key"),
    trust,
  });
  const organizations = new OrganizationCache(db, clock, metrics.cacheCounters("organization"), trust);
  const experiences = new ExperienceCache(db, clock, metrics.cacheCounters("experience"), trust);
  const signingKeys = new SigningKeyRing(db, clock, secrets["signing-key-encryption"]);
  const sessionLiveness = new SessionLiveness(db, clock);
  const accessTokens = new AccessTokenVerifier(
    signingKeys,
    clock,
    (sessionId) => sessionLiveness.liveOwner(sessionId),
    undefined,
    trust,
  );
  invalidation.subscribe((event) => {
    keys.apply(event);
    organizations.apply(event);
    experiences.apply(event);
    accessTokens.apply(event);
  });
  const limiter = config.redisUrl
    ? new RedisLimiter(config.redisUrl, clock, logger, secrets["rate-limit-key"], config.rateLimitFailureMode)
    : new MemoryLimiter(clock);
  const lastUsed = new LastUsedBuffer(db);
  const usage = new UsageRecorder(db, clock, logger);
  const sweeper = new ExpiredRowSweeper(db, clock, logger);
  const outbound = new OutboundClient(
    new DestinationPolicy({ allowCidrs: config.outboundAllowCidrs, testModeLoopback: !config.production }),
  );
  const webhooks = new WebhookDispatcher(
    db,
    clock,
    logger,
    secrets["webhook-secret-encryption"],
    outbound,
    metrics.webhookAttempts,
  );
  const queueActivity = new QueueActivity(db, clock);
  const flushEvery = (name: string, flush: () => Promise<void>) =>
    new PeriodicTask(name, flush, { everyMs: config.usageFlushMs, logger });
  const background = [
    flushEvery("last-used flush", () => lastUsed.flush()),
    flushEvery("usage flush", () => usage.flush()),
    flushEvery("queue activity flush", () => queueActivity.flush()),
    ...sweeper.tasks(),
  ];
  const tasks: ShutdownTask[] = [() => lastUsed.flush(), () => usage.flush(), () => queueActivity.flush()];
  let closed = false;

  async function flush(): Promise<void> {
    for (const task of tasks) {
      try {
        await task();
      } catch (err) {
        logger.error({ err }, "shutdown task failed");
      }
    }
  }

  return {
    config,
    db,
    clock,
    logger,
    secrets,
    metrics,
    invalidation,
    keys,
    lastUsed,
    usage,
    webhooks,
    organizations,
    experiences,
    signingKeys,
    accessTokens,
    arrivals: new ArrivalWriter(db, clock, logger, {
      batch: (size, path) => {
        metrics.arrivalBatchSizes.observe(size);
        metrics.arrivalBatches.inc({ path });
      },
      placesTaken: (queueId, count) => queueActivity.record(queueId, "arrivals", count),
    }),
    queueActivity,
    entryReads: new EntryReads(db),
    sessionLiveness,
    sessionWriter: new SessionWriter(db, clock),
    refreshTokenReads: new RefreshTokenReads(db),
    otpDelivery: createOtpDelivery(config, outbound),
    codes: new CodeSender(db, clock, logger, config.codeDeliveryRetriesMs, metrics.codeDeliveries),
    outbound,
    limiter,
    onShutdown: (task) => {
      tasks.push(task);
    },
    startBackgroundWork() {
      db.startUpkeep(logger);
      for (const task of background) task.start();
    },
    flush,
    async close() {
      if (closed) return;
      closed = true;
      await Promise.all(background.map((task) => task.stop()));
      await webhooks.stop();
      await flush();
      await invalidation.close();
      await limiter.close();
      await db.close();
    },
    logDrained: async (timeoutMs) => output?.drained(timeoutMs),
  };
}

/** Brings the database up to date, makes sure a signing key exists, and connects to Redis. */
export async function prepareDatabase(deps: Deps): Promise<string[]> {
  const { applied } = await migrateToLatest(deps.db);
  // A flush or sweep that ran during a slow migration would query tables that do not exist yet.
  deps.startBackgroundWork();
  await deps.signingKeys.ensureKey();
  if (deps.limiter instanceof RedisLimiter) await deps.limiter.connect();
  return applied;
}
