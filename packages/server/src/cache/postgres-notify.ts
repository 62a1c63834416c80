import pg from "pg";
import type { Logger } from "pino";
import { OutageLog } from "../lib/outage-log.js";
import { CHANNEL, type Transport, type TransportListener, within } from "./transport.js";

const RECONNECT_MS = 1000;
/** A listener that answers no ping this often is taken for lost (a hung network sends no error). */
const PING_EVERY_MS = 2000;
const PING_TIMEOUT_MS = 1000;

/**
 * PostgreSQL `LISTEN/NOTIFY` on one dedicated connection, which also sends this process's events
 * (so a broadcast never waits for a pooled connection behind a surge). A lost or silent connection
 * is replaced, and the bus told that events may have been missed.
 */
export function postgresNotify(
  url: string,
  listener: TransportListener,
  logger: Logger,
  sendTimeoutMs: number,
): Transport {
  const outage = new OutageLog(logger, "invalidation over PostgreSQL");
  let client: pg.Client | undefined;
  let listening = false;
  let closed = false;
  let retry: NodeJS.Timeout | undefined;

  const lose = (current: pg.Client, err: unknown) => {
    if (client !== current) return;
    client = undefined;
    listening = false;
    outage.failed(err);
    current.end().catch(() => {});
    if (!closed) {
      retry = setTimeout(() => void connect(), RECONNECT_MS);
      retry.unref();
    }
  };

  const connect = async (): Promise<void> => {
    if (closed) return;
    const next = new pg.Client({ connectionString: url, connectionTimeoutMillis: PING_TIMEOUT_MS * 5 });
    client = next;
    next.on("error", (err) => lose(next, err));
    next.on("end", () => lose(next, new Error("connection ended")));
    next.on("notification", (message) => {
      if (message.channel === CHANNEL && message.payload) listener.receive(message.payload);
    });
    try {
      await next.connect();
      await within(next.query(`LISTEN ${CHANNEL}`), PING_TIMEOUT_MS, "LISTEN");
      if (client !== next) return;
      listening = true;
      outage.succeeded();
      listener.reconnected();
    } catch (err) {
      lose(next, err);
    }
  };

  const ping = setInterval(() => {
    const current = client;
    if (!current || !listening) return;
    within(current.query("select 1"), PING_TIMEOUT_MS, "invalidation listener ping").catch((err: unknown) =>
      lose(current, err),
    );
  }, PING_EVERY_MS);
  ping.unref();
  void connect();

  return {
    name: "postgres",
    get healthy() {
      return listening;
    },
    async send(payload) {
      const current = client;
      if (!current || !listening) throw new Error("not connected");
      try {
        await within(current.query("select pg_notify($1, $2)", [CHANNEL, payload]), sendTimeoutMs, "pg_notify");
      } catch (err) {
        lose(current, err);
        throw err;
      }
    },
    async close() {
      closed = true;
      clearInterval(ping);
      clearTimeout(retry);
      const current = client;
      client = undefined;
      listening = false;
      await current?.end().catch(() => {});
    },
  };
}
