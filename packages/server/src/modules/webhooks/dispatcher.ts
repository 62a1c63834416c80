import type { Logger } from "pino";
import type { Counter } from "prom-client";
import type { Db } from "../../db/database.js";
import { type Clock, isoAt } from "../../lib/clock.js";
import type { OutboundClient } from "../../lib/outbound/outbound-client.js";
import { PeriodicTask } from "../../lib/periodic-task.js";
import { open } from "../../lib/sealed-box.js";
import { signWebhook } from "../../lib/webhook-signature.js";
import { claimDelivery, type Delivery, dueDeliveries, endpointSecret, recordAttempt } from "./store.js";

const MINUTE = 60_000;
const HOUR = 60 * MINUTE;
/** The wait before each attempt: 8 attempts over about 44 hours. */
export const RETRY_DELAYS_MS = [0, MINUTE, 5 * MINUTE, 30 * MINUTE, 2 * HOUR, 6 * HOUR, 12 * HOUR, 24 * HOUR];
const ATTEMPT_TIMEOUT_MS = 10_000;
/** A claimed delivery is retried by another process if this one dies mid-attempt. */
const LEASE_MS = 2 * MINUTE;
const BATCH = 50;

type AttemptResult = { ok: true; status: number } | { ok: false; status: number | null; error: string };

/**
 * Sends stored webhook deliveries: signed (`X-Fanfare-Timestamp`, `X-Fanfare-Signature`), retried
 * with backoff on failure, stopped by a 410 (the receiver is gone for good). Any number of
 * processes may run one: each delivery is claimed by exactly one of them per attempt.
 */
export class WebhookDispatcher {
  private running: Promise<number> | undefined;
  private task: PeriodicTask | undefined;

  constructor(
    private readonly db: Db,
    private readonly clock: Clock,
    private readonly logger: Logger,
    private readonly sealingKey: Buffer,
    private readonly outbound: OutboundClient,
    private readonly attempts: Counter<"outcome">,
  ) {}

  /** Sends every delivery that is due now; returns how many attempts were made. */
  runDue(): Promise<number> {
    this.running ??= this.sendDue().finally(() => {
      this.running = undefined;
    });
    return this.running;
  }

  /** Every `intervalMs`; a database or network failure is retried with backoff, never thrown. */
  start(intervalMs = 1000): void {
    this.task ??= new PeriodicTask("webhook delivery", () => this.runDue(), {
      everyMs: intervalMs,
      logger: this.logger,
    });
    this.task.start();
  }

  async stop(): Promise<void> {
    await this.task?.stop();
    await this.running?.catch(() => {});
  }

  private async sendDue(): Promise<number> {
    const nowMs = this.clock.now();
    const due = await dueDeliveries(this.db, isoAt(nowMs), BATCH);
    const claimed: Delivery[] = [];
    for (const delivery of due) {
      if (await claimDelivery(this.db, delivery, isoAt(nowMs + LEASE_MS))) claimed.push(delivery);
    }
    await Promise.all(claimed.map((delivery) => this.attempt(delivery)));
    return claimed.length;
  }

  private async attempt(delivery: Delivery): Promise<void> {
    const result = await this.post(delivery);
    const nowMs = this.clock.now();
    const attempts = delivery.attempts + 1;
    const gone = !result.ok && result.status === 410;
    const exhausted = attempts >= RETRY_DELAYS_MS.length;
    const status = result.ok ? "succeeded" : gone || exhausted ? "failed" : "pending";
    const nextDelay = RETRY_DELAYS_MS[attempts] ?? 0;
    await recordAttempt(this.db, delivery.id, {
      status,
      attempts,
      nextAttemptAt: isoAt(status === "pending" ? nowMs + nextDelay : nowMs),
      lastStatusCode: result.status,
      lastError: result.ok ? null : result.error,
      updatedAt: isoAt(nowMs),
    });
    this.attempts.inc({ outcome: status });
    if (status === "failed") {
      const failure = result.ok ? undefined : result.error;
      this.logger.warn(
        { deliveryId: delivery.id, attempts, status: result.status, failure },
        "webhook delivery given up",
      );
    }
  }

  private async post(delivery: Delivery): Promise<AttemptResult> {
    const endpoint = await endpointSecret(this.db, delivery.endpointId);
    if (!endpoint) return { ok: false, status: 410, error: "endpoint deleted" };
    const secret = open(this.sealingKey, endpoint.sealed).toString("utf8");
    const timestamp = Math.floor(this.clock.now() / 1000);
    const result = await this.outbound.post(endpoint.url, {
      headers: {
        "content-type": "application/json",
        "user-agent": "Fanfare-Webhooks/1",
        "x-fanfare-event-id": delivery.eventId,
        "x-fanfare-timestamp": String(timestamp),
        "x-fanfare-signature": signWebhook(secret, timestamp, delivery.payload),
      },
      body: delivery.payload,
      timeoutMs: ATTEMPT_TIMEOUT_MS,
      mode: delivery.tenant.mode,
    });
    return result.ok ? result : { ok: false, status: result.status, error: result.failure };
  }
}
