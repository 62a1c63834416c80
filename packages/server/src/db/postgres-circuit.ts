import type pg from "pg";
import type { Logger } from "pino";
import { OutageLog } from "../lib/outage-log.js";
import { DatabaseUnreachableError, isDatabaseUnavailable } from "./unavailable.js";

export interface CircuitTimings {
  /** Nothing settled for this long while something waits: PostgreSQL is asked directly. */
  stallMs: number;
  /** How long that direct question may take before PostgreSQL counts as out of reach. */
  probeTimeoutMs: number;
  /** While out of reach, PostgreSQL is asked this often whether it is back. */
  retryEveryMs: number;
}

/**
 * Suspicion after 0.3 s (checked every 0.1 s), a verdict 0.9 s later: a request on a dead database
 * has its 503 in about 1.3 s, leaving room under 2 s for a busy machine (at 0.5 + 1 s, answers on
 * a loaded one took up to 2.4 s). A live PostgreSQL opens a connection and answers `select 1` far
 * sooner than 0.9 s even while its queries are slow.
 */
export const DEFAULT_TIMINGS: CircuitTimings = { stallMs: 300, probeTimeoutMs: 900, retryEveryMs: 250 };
const WATCH_EVERY_MS = 100;

interface Waiting {
  startedMs: number;
  /** Set once a connection is checked out: destroyed when PostgreSQL is found out of reach. */
  client?: pg.PoolClient;
  refuse(err: Error): void;
}

/**
 * Tells a dead PostgreSQL from a busy one, so that no request waits on a dead pool. A hung
 * server (a black-holed network, a stopped process) answers nothing: queries would wait for the
 * query timeout and the pool's waiters behind them. When a query fails as unavailable, or when
 * something has waited `stallMs` while nothing settled, a fresh connection asks `select 1`. If it
 * cannot, the circuit opens: every waiting query and connection attempt fails at once (503),
 * new ones fail without trying, and the question is repeated until PostgreSQL answers. A
 * database that is merely slow answers the question and nothing is refused. Connections opened
 * before an outage are not trusted after it (a half-open socket would hang the next query).
 */
export class PostgresCircuit {
  private unreachable = false;
  private probing = false;
  private lastSettledMs = Date.now();
  private lastProbeMs = 0;
  private generation = 0;
  private readonly generations = new WeakMap<pg.PoolClient, number>();
  private readonly waiting = new Set<Waiting>();
  private readonly watch: NodeJS.Timeout;
  private outage: OutageLog | undefined;

  constructor(
    private readonly answers: () => Promise<void>,
    private readonly timings: CircuitTimings = DEFAULT_TIMINGS,
  ) {
    this.watch = setInterval(() => this.check(), WATCH_EVERY_MS);
    this.watch.unref();
  }

  get open(): boolean {
    return this.unreachable;
  }

  /** Logs the outage (once) and the return, for a serving process. */
  report(logger: Logger): void {
    this.outage = new OutageLog(logger, "PostgreSQL");
  }

  /** A pool around `pool` whose connections and queries the circuit watches. */
  wrap(pool: pg.Pool): { connect(): Promise<pg.PoolClient>; end(): Promise<void> } {
    return { connect: () => this.connect(pool), end: () => pool.end() };
  }

  stop(): void {
    clearInterval(this.watch);
  }

  private async connect(pool: pg.Pool): Promise<pg.PoolClient> {
    for (;;) {
      // Refused before asking the pool: a request refused after would leave its place in the
      // pool's queue, and on PostgreSQL's return thousands of them would open connections for
      // nobody while new requests waited behind them.
      if (this.unreachable) throw new DatabaseUnreachableError();
      // A connection that arrives for a request already refused goes back to the pool: one
      // opened before the outage is replaced at its next checkout (its generation is old).
      const client = await this.guard(pool.connect(), (late) => late.release());
      const generation = this.generations.get(client);
      if (generation === undefined) {
        this.generations.set(client, this.generation);
        this.watchQueries(client);
        return client;
      }
      if (generation === this.generation) return client;
      client.release(true);
    }
  }

  /** Queries are watched while they run; one that hangs is destroyed if the circuit opens. */
  private watchQueries(client: pg.PoolClient): void {
    const query = client.query.bind(client) as (...args: unknown[]) => unknown;
    client.query = ((...args: unknown[]) => {
      if (this.unreachable) {
        // Perhaps mid-transaction: a connection kept would hold its locks until its next use.
        client.connection.stream.destroy();
        return Promise.reject(new DatabaseUnreachableError());
      }
      const result = query(...args);
      if (!(result instanceof Promise)) return result;
      return this.guard(result, () => {}, client);
    }) as typeof client.query;
  }

  /**
   * `work` as it settles, or a DatabaseUnreachableError as soon as the circuit opens; what
   * settles after that goes to `discard`.
   */
  private guard<T>(work: Promise<T>, discard: (late: T) => void, client?: pg.PoolClient): Promise<T> {
    if (this.unreachable) {
      work.then(discard, () => {});
      return Promise.reject(new DatabaseUnreachableError());
    }
    return new Promise<T>((resolve, reject) => {
      let refused = false;
      const entry: Waiting = {
        startedMs: Date.now(),
        client,
        refuse: (err) => {
          refused = true;
          reject(err);
        },
      };
      this.waiting.add(entry);
      work.then(
        (value) => {
          this.settled(entry);
          if (refused) discard(value);
          else resolve(value);
        },
        (err: unknown) => {
          this.settled(entry);
          if (isDatabaseUnavailable(err)) this.suspect();
          reject(err);
        },
      );
    });
  }

  private settled(entry: Waiting): void {
    this.waiting.delete(entry);
    this.lastSettledMs = Date.now();
  }

  private check(): void {
    const now = Date.now();
    if (this.unreachable) {
      if (now - this.lastProbeMs >= this.timings.retryEveryMs) void this.probe();
      return;
    }
    if (now - this.lastSettledMs < this.timings.stallMs || now - this.lastProbeMs < this.timings.stallMs * 2) return;
    // A Set iterates in insertion order: the first entry has waited longest.
    const oldest = this.waiting.values().next().value;
    if (oldest && now - oldest.startedMs >= this.timings.stallMs) this.suspect();
  }

  private suspect(): void {
    if (!this.unreachable) void this.probe();
  }

  private async probe(): Promise<void> {
    if (this.probing) return;
    this.probing = true;
    this.lastProbeMs = Date.now();
    try {
      await this.answers();
      if (this.unreachable) this.close();
    } catch (err) {
      if (!this.unreachable) this.trip(err);
    } finally {
      this.probing = false;
      this.lastProbeMs = Date.now();
    }
  }

  private trip(cause: unknown): void {
    this.unreachable = true;
    this.outage?.failed(cause);
    const refused = new DatabaseUnreachableError();
    for (const entry of this.waiting) {
      entry.refuse(refused);
      // A query on a hung connection would otherwise hold its connection until the query timeout.
      entry.client?.connection.stream.destroy();
    }
    this.waiting.clear();
  }

  private close(): void {
    this.unreachable = false;
    this.generation++;
    this.lastSettledMs = Date.now();
    this.outage?.succeeded();
  }
}
