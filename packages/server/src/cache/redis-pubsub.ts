import { Redis } from "ioredis";
import type { Logger } from "pino";
import { OutageLog } from "../lib/outage-log.js";
import { CHANNEL, type Transport, type TransportListener, within } from "./transport.js";

/** A subscriber that answers no ping this often is taken for lost (a hung Redis sends no error). */
const PING_EVERY_MS = 2000;
const PING_TIMEOUT_MS = 1000;

/** Redis pub/sub: one subscriber and one publisher connection; ioredis reconnects by itself. */
export function redisPubSub(
  url: string,
  listener: TransportListener,
  logger: Logger,
  sendTimeoutMs: number,
): Transport {
  const outage = new OutageLog(logger, "invalidation over Redis");
  const options = { maxRetriesPerRequest: 1, enableOfflineQueue: false, autoResubscribe: false };
  const subscriber = new Redis(url, options);
  const publisher = new Redis(url, { ...options, commandTimeout: sendTimeoutMs });
  let subscribed = false;
  for (const connection of [subscriber, publisher]) connection.on("error", () => {});
  const lost = (err: unknown) => {
    subscribed = false;
    outage.failed(err);
  };
  subscriber.on("close", () => lost(new Error("connection closed")));
  // Subscribe on every (re)connection: with the offline queue off, an early SUBSCRIBE would be lost.
  subscriber.on("ready", () => {
    within(subscriber.subscribe(CHANNEL), PING_TIMEOUT_MS, "SUBSCRIBE").then(
      () => {
        subscribed = true;
        outage.succeeded();
        listener.reconnected();
      },
      (err: unknown) => lost(err),
    );
  });
  subscriber.on("message", (channel: string, payload: string) => {
    if (channel === CHANNEL) listener.receive(payload);
  });
  // A stopped Redis keeps the socket open: only an unanswered ping shows it. The connection is
  // dropped so ioredis reconnects (and resubscribes) once it answers again.
  const ping = setInterval(() => {
    if (!subscribed) return;
    within(subscriber.ping(), PING_TIMEOUT_MS, "invalidation subscriber ping").catch((err: unknown) => {
      lost(err);
      subscriber.disconnect(true);
    });
  }, PING_EVERY_MS);
  ping.unref();

  return {
    name: "redis",
    get healthy() {
      return subscribed;
    },
    async send(payload) {
      await publisher.publish(CHANNEL, payload);
    },
    async close() {
      clearInterval(ping);
      subscriber.disconnect();
      publisher.disconnect();
    },
  };
}
