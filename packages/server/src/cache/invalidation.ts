import { randomUUID } from "node:crypto";
import type { Logger } from "pino";
import type { Db } from "../db/database.js";
import type { Mode } from "../db/schema.js";
import { postgresNotify } from "./postgres-notify.js";
import { redisPubSub } from "./redis-pubsub.js";
import { sqliteChangePoll } from "./sqlite-change-poll.js";
import type { Transport, TransportListener } from "./transport.js";

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
 * once and starts broadcasting it over every transport; other processes apply it when it arrives
 * (well under a second). Broadcasting never delays the caller: a change that committed is
 * answered whatever Redis or PostgreSQL are doing.
 */
export interface InvalidationBus {
  /** The transports that carry events to other processes (none for one SQLite process). */
  readonly transports: readonly string[];
  /**
   * False while no transport is known to work: events from other processes may be missed, so
   * caches must not trust old verdicts. One SQLite process has nobody to hear from: always true.
   */
  readonly healthy: boolean;
  publish(event: InvalidationEvent): Promise<void>;
  subscribe(handler: InvalidationHandler): void;
  /** Resolves when every broadcast started so far has been sent or given up. */
  broadcasted(): Promise<void>;
  close(): Promise<void>;
}

interface Envelope {
  /** The sending process and its own count: one event arriving on two transports applies once. */
  id: string;
  event: InvalidationEvent;
}

const REMEMBERED_IDS = 10_000;

/** Local fan-out, our own echoes ignored, and each event applied once whichever transport brought it. */
class Fanout implements TransportListener {
  private readonly origin = randomUUID();
  private sent = 0;
  private readonly handlers: InvalidationHandler[] = [];
  private readonly seen = new Set<string>();

  subscribe(handler: InvalidationHandler): void {
    this.handlers.push(handler);
  }

  emit(event: InvalidationEvent): void {
    for (const handler of this.handlers) handler(event);
  }

  encode(event: InvalidationEvent): string {
    return JSON.stringify({ id: `${this.origin}:${++this.sent}`, event } satisfies Envelope);
  }

  receive(payload: string): void {
    let envelope: Envelope;
    try {
      envelope = JSON.parse(payload) as Envelope;
    } catch {
      return; // A malformed message from another process must not break this one.
    }
    if (typeof envelope.id !== "string" || envelope.id.startsWith(`${this.origin}:`)) return;
    if (this.seen.has(envelope.id)) return;
    this.seen.add(envelope.id);
    if (this.seen.size > REMEMBERED_IDS) this.seen.delete(this.seen.values().next().value as string);
    this.emit(envelope.event);
  }

  reconnected(): void {
    this.emit({ type: "all" });
  }
}

export interface BusOptions {
  db: Db;
  databaseUrl?: string | undefined;
  redisUrl?: string | undefined;
  logger: Logger;
  /** A broadcast not sent by then is given up (and logged once per outage). */
  publishTimeoutMs: number;
}

/**
 * PostgreSQL `LISTEN/NOTIFY` whenever the database is PostgreSQL, and Redis pub/sub as well when
 * configured: revocation reaches every process while either works. One SQLite process watches
 * the file for other processes' writes (the CLI) instead.
 */
export function createInvalidationBus(options: BusOptions): InvalidationBus {
  const fanout = new Fanout();
  const { db, logger, publishTimeoutMs } = options;
  const transports: Transport[] = [];
  if (options.databaseUrl) transports.push(postgresNotify(options.databaseUrl, fanout, logger, publishTimeoutMs));
  if (options.redisUrl) transports.push(redisPubSub(options.redisUrl, fanout, logger, publishTimeoutMs));
  const poll = transports.length === 0 ? sqliteChangePoll(db, fanout, logger) : undefined;
  const sending = new Set<Promise<void>>();

  return {
    transports: transports.map((transport) => transport.name),
    get healthy() {
      return poll !== undefined || transports.some((transport) => transport.healthy);
    },
    async publish(event) {
      fanout.emit(event);
      if (transports.length === 0) return;
      const payload = fanout.encode(event);
      for (const transport of transports) {
        const sent: Promise<void> = transport
          .send(payload)
          .catch(() => {})
          .finally(() => sending.delete(sent));
        sending.add(sent);
      }
    },
    subscribe: (handler) => fanout.subscribe(handler),
    async broadcasted() {
      while (sending.size > 0) await Promise.all([...sending]);
    },
    async close() {
      await Promise.all([...sending]);
      await poll?.close();
      await Promise.all(transports.map((transport) => transport.close()));
    },
  };
}
