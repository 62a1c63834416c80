import { randomUUID } from "node:crypto";
import { Redis } from "ioredis";
import { sql } from "kysely";
import pg from "pg";
import type { Logger } from "pino";
import type { Db } from "../db/database.js";
import type { Mode } from "../db/schema.js";

/** What changed; caches drop whatever they hold for it. `all` follows a lost connection. */
export type InvalidationEvent =
  | { type: "key"; keyId: string }
  | { type: "organization"; organizationId: string }
  | { type: "session"; sessionId: string }
  /** A dashboard member was removed, changed role or had a session ended: what they hold open is proved again. */
  | { type: "member"; organizationId: string; memberId: string }
  | { type: "experience"; organizationId: string; mode: Mode; experienceId: string }
  | { type: "all" };

export type InvalidationHandler = (event: InvalidationEvent) => void;

/**
 * Tells every server process that cached data changed. `publish` applies the event locally at
 * once, then broadcasts it; other processes apply it when it arrives (well under a second).
 */
export interface InvalidationBus {
  readonly transport: "sqlite" | "postgres" | "redis";
  publish(event: InvalidationEvent): Promise<void>;
  subscribe(handler: InvalidationHandler): void;
  close(): Promise<void>;
}

const CHANNEL = "fanfare_invalidation";
const RECONNECT_MS = 1000;

interface Envelope {
  origin: string;
  event: InvalidationEvent;
}

/** Shared by every transport: local fan-out, and ignoring our own echoes. */
class Fanout {
  readonly origin = randomUUID();
  private readonly handlers: InvalidationHandler[] = [];

  subscribe(handler: InvalidationHandler): void {
    this.handlers.push(handler);
  }

  emit(event: InvalidationEvent): void {
    for (const handler of this.handlers) handler(event);
  }

  encode(event: InvalidationEvent): string {
    return JSON.stringify({ origin: this.origin, event } satisfies Envelope);
  }

  receive(payload: string): void {
    try {
      const { origin, event } = JSON.parse(payload) as Envelope;
      if (origin !== this.origin) this.emit(event);
    } catch {
      // A malformed message from another process must not break this one.
    }
  }
}

/** One process (SQLite without Redis): nothing to broadcast to. */
/** How often the SQLite bus looks for another process's writes. */
const SQLITE_CHANGE_POLL_MS = 250;

/**
 * SQLite serves from one process (several are refused), whose own changes reach its caches at
 * once. Another process writing the file (the `fanfare` CLI changing a plan or deactivating a
 * key) is seen through `PRAGMA data_version`, which moves only when another connection commits:
 * polled every 250 ms, and a move drops every cache (such writes are rare).
 */
export function sqliteBus(db: Db, logger: Logger): InvalidationBus {
  const fanout = new Fanout();
  let seen: number | undefined;
  const look = async () => {
    try {
      const { rows } = await sql<{ data_version: number }>`pragma data_version`.execute(db.kysely);
      const version = rows[0]?.data_version;
      if (seen !== undefined && version !== seen) fanout.emit({ type: "all" });
      seen = version;
    } catch (err) {
      logger.warn({ err }, "could not check the database for other processes' changes");
    }
  };
  void look();
  const timer = setInterval(() => void look(), SQLITE_CHANGE_POLL_MS);
  timer.unref();
  return {
    transport: "sqlite",
    publish: async (event) => fanout.emit(event),
    subscribe: (handler) => fanout.subscribe(handler),
    close: async () => clearInterval(timer),
  };
}

/** PostgreSQL LISTEN/NOTIFY on a dedicated connection, reconnecting (and clearing caches) on loss. */
export function postgresBus(db: Db, url: string, logger: Logger): InvalidationBus {
  const fanout = new Fanout();
  let client: pg.Client | undefined;
  let closed = false;
  let lostLogged = false;

  const connect = async (): Promise<void> => {
    if (closed) return;
    const next = new pg.Client({ connectionString: url });
    const reconnect = () => {
      if (closed || client !== next) return;
      client = undefined;
      if (!lostLogged) logger.warn("invalidation listener lost its PostgreSQL connection; reconnecting");
      lostLogged = true;
      setTimeout(() => void connect(), RECONNECT_MS).unref();
    };
    next.on("error", reconnect);
    next.on("end", reconnect);
    next.on("notification", (message) => {
      if (message.channel === CHANNEL && message.payload) fanout.receive(message.payload);
    });
    client = next;
    try {
      await next.connect();
      await next.query(`LISTEN ${CHANNEL}`);
      if (lostLogged) logger.info("invalidation listener reconnected");
      lostLogged = false;
      // Events sent while we were away are lost: forget everything cached.
      fanout.emit({ type: "all" });
    } catch {
      reconnect();
    }
  };
  const ready = connect();

  return {
    transport: "postgres",
    async publish(event) {
      fanout.emit(event);
      try {
        await sql`select pg_notify(${CHANNEL}, ${fanout.encode(event)})`.execute(db.kysely);
      } catch (err) {
        logger.error({ err }, "could not broadcast a cache invalidation over PostgreSQL");
      }
    },
    subscribe: (handler) => fanout.subscribe(handler),
    async close() {
      closed = true;
      await ready;
      await client?.end().catch(() => {});
    },
  };
}

/** Redis pub/sub: one subscriber and one publisher connection; ioredis reconnects by itself. */
export function redisBus(url: string, logger: Logger): InvalidationBus {
  const fanout = new Fanout();
  const options = { maxRetriesPerRequest: 1, enableOfflineQueue: false, autoResubscribe: false };
  const subscriber = new Redis(url, options);
  const publisher = new Redis(url, options);
  let lost = false;
  for (const connection of [subscriber, publisher]) connection.on("error", () => {});
  subscriber.on("close", () => {
    if (!lost) logger.warn("invalidation subscriber lost its Redis connection; reconnecting");
    lost = true;
  });
  // Subscribe on every (re)connection: with the offline queue off, an early SUBSCRIBE would be lost.
  subscriber.on("ready", () => {
    if (lost) logger.info("invalidation subscriber reconnected");
    lost = false;
    subscriber.subscribe(CHANNEL).then(
      () => fanout.emit({ type: "all" }),
      (err: unknown) => logger.error({ err }, "could not subscribe to cache invalidations on Redis"),
    );
  });
  subscriber.on("message", (channel: string, payload: string) => {
    if (channel === CHANNEL) fanout.receive(payload);
  });

  return {
    transport: "redis",
    async publish(event) {
      fanout.emit(event);
      try {
        await publisher.publish(CHANNEL, fanout.encode(event));
      } catch (err) {
        logger.error({ err }, "could not broadcast a cache invalidation over Redis");
      }
    },
    subscribe: (handler) => fanout.subscribe(handler),
    async close() {
      subscriber.disconnect();
      publisher.disconnect();
    },
  };
}
