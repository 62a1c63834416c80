import type { Deps } from "../../deps.js";
import { AppError } from "../../http/errors.js";
import { OutageLog } from "../../lib/outage-log.js";
import type { TenantScope } from "../../lib/tenant.js";
import { queueLive } from "./snapshot.js";

export type Snapshot = Awaited<ReturnType<typeof queueLive>>;
export type LiveEvent = { event: "snapshot"; data: Snapshot } | { event: "gone"; data: { queueId: string } };
type Watcher = (event: LiveEvent) => void;

const TICK_MS = 1000;

/**
 * The live views this process streams: one reading per watched queue per second, sent to
 * everyone watching it, so a change made anywhere shows within a second however many watch.
 */
export class LiveBroadcast {
  private readonly queues = new Map<string, { watchers: Set<Watcher>; timer: NodeJS.Timeout }>();

  private readonly outage: OutageLog;

  constructor(private readonly deps: Deps) {
    this.outage = new OutageLog(deps.logger, "live view readings");
  }

  /** Starts sending `watcher` the queue's view every second; returns the way to stop. */
  watch(tenant: TenantScope, queueId: string, watcher: Watcher): () => void {
    const key = `${tenant.organizationId}:${tenant.mode}:${queueId}`;
    let watched = this.queues.get(key);
    if (!watched) {
      const watchers = new Set<Watcher>();
      const timer = setInterval(() => void this.tick(key, tenant, queueId), TICK_MS);
      watched = { watchers, timer };
      this.queues.set(key, watched);
    }
    watched.watchers.add(watcher);
    return () => {
      const current = this.queues.get(key);
      if (!current) return;
      current.watchers.delete(watcher);
      if (current.watchers.size === 0) this.stop(key);
    };
  }

  private async tick(key: string, tenant: TenantScope, queueId: string): Promise<void> {
    const watched = this.queues.get(key);
    if (!watched) return;
    let event: LiveEvent;
    try {
      event = { event: "snapshot", data: await queueLive(this.deps, tenant, queueId) };
      this.outage.succeeded();
    } catch (err) {
      if (!(err instanceof AppError && err.code === "queue_not_found")) {
        // The streams go on; the outage is logged once, not once a second per watched queue.
        this.outage.failed(err);
        return;
      }
      event = { event: "gone", data: { queueId } };
      this.stop(key);
    }
    for (const watcher of watched.watchers) watcher(event);
  }

  private stop(key: string): void {
    clearInterval(this.queues.get(key)?.timer);
    this.queues.delete(key);
  }
}
