import type { Logger } from "pino";
import { Counter, collectDefaultMetrics, Gauge, Histogram, Registry } from "prom-client";
import type { CacheCounters } from "./cache/row-cache.js";
import type { Db, PoolStats } from "./db/database.js";
import { placesInLiveQueues } from "./modules/queue-entries/index.js";

export type ApiName = "consumer" | "admin";

// From a response served from memory (~1 ms) to one that waited out the database pool (15 s).
const DURATION_BUCKETS_SECONDS = [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 20];
// Powers of two up to the arrival writer's largest batch (ARRIVAL_BATCHES.maxBatch).
const BATCH_SIZE_BUCKETS = [1, 2, 4, 8, 16, 32, 64, 128, 256];

/**
 * The process's metrics, in a registry of its own (tests build many in one process). Labels name
 * routes by their pattern, queues by id, APIs, statuses and outcomes: never a key, an email, a
 * consumer or a raw URL. Queue places and the database pool are read when scraped.
 */
export class Metrics {
  readonly registry = new Registry();

  readonly rateLimited = new Counter({
    name: "fanfare_rate_limited_total",
    help: "Requests refused by a rate limit, by API and the limit's name (plan, guest, otp-request…).",
    labelNames: ["api", "limit"] as const,
    registers: [this.registry],
  });

  readonly arrivalBatchSizes = new Histogram({
    name: "fanfare_queue_arrival_batch_size",
    help: "Queue arrivals written together in one group commit.",
    buckets: BATCH_SIZE_BUCKETS,
    registers: [this.registry],
  });

  readonly arrivalBatches = new Counter({
    name: "fanfare_queue_arrival_batches_total",
    help: "Group commits of queue arrivals, by how they were written: numbers_first (one statement, no lock held across a round trip), lock_first (the queue row locked first: re-entries, refusals, a plan another process overtook), one_by_one (after a fault).",
    labelNames: ["path"] as const,
    registers: [this.registry],
  });

  readonly queueAdmissions = new Counter({
    name: "fanfare_queue_admissions_total",
    help: "Places admitted, by queue.",
    labelNames: ["queue"] as const,
    registers: [this.registry],
  });

  readonly codeDeliveries = new Counter({
    name: "fanfare_code_deliveries_total",
    help: "One-time codes handed to their delivery channel, by channel and outcome.",
    labelNames: ["channel", "outcome"] as const,
    registers: [this.registry],
  });

  readonly webhookAttempts = new Counter({
    name: "fanfare_webhook_delivery_attempts_total",
    help: "Webhook delivery attempts, by the delivery's state after them: succeeded, pending (to be retried) or failed (given up).",
    labelNames: ["outcome"] as const,
    registers: [this.registry],
  });

  readonly unhandledRejections = new Counter({
    name: "fanfare_unhandled_rejections_total",
    help: "Promise rejections no code handled: logged and counted instead of ending the process.",
    registers: [this.registry],
  });

  private readonly cacheHits = new Counter({
    name: "fanfare_cache_hits_total",
    help: "Cache lookups answered from memory, by cache.",
    labelNames: ["cache"] as const,
    registers: [this.registry],
  });

  private readonly cacheMisses = new Counter({
    name: "fanfare_cache_misses_total",
    help: "Cache lookups that read the database (absent or stale), by cache.",
    labelNames: ["cache"] as const,
    registers: [this.registry],
  });

  private readonly responses = new Counter({
    name: "fanfare_http_requests_total",
    help: "Responses sent, by API, route pattern, method and status.",
    labelNames: ["api", "route", "method", "status"] as const,
    registers: [this.registry],
  });

  private readonly responseTimes = new Histogram({
    name: "fanfare_http_request_duration_seconds",
    help: "Time from a request's arrival to its response's end, by API, route pattern, method and status.",
    labelNames: ["api", "route", "method", "status"] as const,
    buckets: DURATION_BUCKETS_SECONDS,
    registers: [this.registry],
  });

  constructor(db: Db, logger: Logger) {
    collectDefaultMetrics({ register: this.registry });
    // Scrapes collect in registration order: the pool is read before the places query takes a connection.
    if (db.dialect === "postgres") watchPool(this.registry, db);
    watchQueuePlaces(this.registry, db, logger);
  }

  /** The responses of one API; each app asks once. */
  responsesOf(api: ApiName): ResponseMetrics {
    return new ResponseMetrics(api, this.responses, this.responseTimes);
  }

  /** The hit and miss counters of one cache. */
  cacheCounters(cache: string): CacheCounters {
    return { hits: this.cacheHits.labels({ cache }), misses: this.cacheMisses.labels({ cache }) };
  }
}

interface ResponseSeries {
  count: Counter.Internal;
  duration: Histogram.Internal<string>;
}

/**
 * Counts and times one API's responses. prom-client's `labels()` builds a child on every call, so
 * each label set's children are made once and looked up by route, method and status after that.
 */
export class ResponseMetrics {
  private readonly byRoute = new Map<string, Map<string, Map<number, ResponseSeries>>>();

  constructor(
    private readonly api: ApiName,
    private readonly responses: Counter<"api" | "route" | "method" | "status">,
    private readonly responseTimes: Histogram<"api" | "route" | "method" | "status">,
  ) {}

  record(route: string, method: string, status: number, seconds: number): void {
    const series = this.seriesOf(route, method, status);
    series.count.inc();
    series.duration.observe(seconds);
  }

  private seriesOf(route: string, method: string, status: number): ResponseSeries {
    const byMethod = this.byRoute.get(route) ?? added(this.byRoute, route, new Map());
    const byStatus = byMethod.get(method) ?? added(byMethod, method, new Map());
    const known = byStatus.get(status);
    if (known) return known;
    const labels = { api: this.api, route, method, status: String(status) };
    const series = { count: this.responses.labels(labels), duration: this.responseTimes.labels(labels) };
    return added(byStatus, status, series);
  }
}

function added<K, V>(map: Map<K, V>, key: K, value: V): V {
  map.set(key, value);
  return value;
}

/** Places waiting and admitted per live queue, read in one query when scraped. */
function watchQueuePlaces(registry: Registry, db: Db, logger: Logger): void {
  new Gauge({
    name: "fanfare_queue_places",
    help: "Places held in each live queue, by queue and state (waiting or admitted).",
    labelNames: ["queue", "state"] as const,
    registers: [registry],
    async collect() {
      this.reset(); // a queue deleted since the last scrape is gone from it
      try {
        for (const { queueId, waiting, admitted } of await placesInLiveQueues(db)) {
          this.set({ queue: queueId, state: "waiting" }, waiting);
          this.set({ queue: queueId, state: "admitted" }, admitted);
        }
      } catch (err) {
        // The other metrics matter most while the database is in trouble: they are still served.
        logger.warn({ err }, "queue places could not be read for metrics");
      }
    },
  });
}

/** The PostgreSQL pool's connections and the queries waiting for one, as they are when scraped. */
function watchPool(registry: Registry, db: Db): void {
  const poolGauge = (name: string, help: string, read: (stats: PoolStats) => number) =>
    new Gauge({
      name,
      help,
      registers: [registry],
      collect() {
        const stats = db.poolStats();
        if (stats) this.set(read(stats));
      },
    });
  poolGauge("fanfare_db_pool_connections", "Connections the database pool holds open.", (stats) => stats.total);
  poolGauge("fanfare_db_pool_idle_connections", "Open connections not in use.", (stats) => stats.idle);
  poolGauge("fanfare_db_pool_waiting_queries", "Queries waiting for a connection.", (stats) => stats.waiting);
}
