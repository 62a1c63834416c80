import type { Deps } from "../../deps.js";
import type { TenantScope } from "../../lib/tenant.js";
import { queueLive } from "./snapshot.js";

type Snapshot = Awaited<ReturnType<typeof queueLive>>;

/** How long one process's snapshot serves every viewer of the queue (one read a tick, however many watch). */
const SHARED_FOR_MS = 900;

/** The live views this process computed lately, shared by everyone watching the same queue. */
export class LiveSnapshots {
  private readonly recent = new Map<string, { atMs: number; snapshot: Promise<Snapshot> }>();

  constructor(private readonly deps: Deps) {}

  get(tenant: TenantScope, queueId: string): Promise<Snapshot> {
    const key = `${tenant.organizationId}:${tenant.mode}:${queueId}`;
    const nowMs = this.deps.clock.now();
    const cached = this.recent.get(key);
    if (cached && nowMs - cached.atMs < SHARED_FOR_MS) return cached.snapshot;
    const snapshot = queueLive(this.deps, tenant, queueId);
    this.recent.set(key, { atMs: nowMs, snapshot });
    snapshot.catch(() => this.recent.delete(key));
    return snapshot;
  }

  /** After an action here, the next snapshot is read afresh (with this process's activity written). */
  async forget(tenant: TenantScope, queueId: string): Promise<void> {
    this.recent.delete(`${tenant.organizationId}:${tenant.mode}:${queueId}`);
    await this.deps.queueActivity.flush();
  }
}
