import { setTimeout as sleep } from "node:timers/promises";
import type { Logger } from "pino";
import type { Counter } from "prom-client";
import type { Db } from "../../db/database.js";
import type { Clock } from "../../lib/clock.js";
import type { TenantScope } from "../../lib/tenant.js";
import { describeDeliveryFailure, isTransientDeliveryFailure, type OtpDelivery, type OtpMessage } from "./delivery.js";
import { countCodeDelivery } from "./store.js";

/** The server-wide provider counts as failing this long after a code it gave up, unless one gets through. */
const DEGRADED_FOR_MS = 15 * 60_000;

export interface CodeSend {
  delivery: OtpDelivery;
  message: OtpMessage;
  /** Whose code it is: its outcome is counted in that tenant's usage. Omitted for dashboard members. */
  tenant?: TenantScope;
  /** Sent through the server-wide provider (`FANFARE_OTP_DELIVERY`), whose health `/readyz` reports. */
  serverProvider: boolean;
}

/**
 * Sends one-time codes after the answer is gone, so the answer never depends on the delivery
 * (no enumeration, no waiting on a mail server). A transient failure is retried after each of
 * `retriesMs`; a code still undelivered is given up, logged, and counted for its organization,
 * which the usage figures and the `code_delivery_failing` alert read.
 */
export class CodeSender {
  private lastServerFailureMs: number | undefined;
  private readonly sending = new Set<Promise<void>>();

  constructor(
    private readonly db: Db,
    private readonly clock: Clock,
    private readonly logger: Logger,
    private readonly retriesMs: readonly number[],
    private readonly outcomes: Counter<"channel" | "outcome">,
  ) {}

  /** `degraded` while the server-wide provider's latest code was given up (for 15 minutes at most). */
  get health(): "ok" | "degraded" {
    const failedAt = this.lastServerFailureMs;
    return failedAt !== undefined && this.clock.now() - failedAt < DEGRADED_FOR_MS ? "degraded" : "ok";
  }

  send(code: CodeSend): void {
    // Started on the next turn of the event loop: the answer goes out before any delivery work.
    const sending: Promise<void> = new Promise<void>((resolve) => setImmediate(resolve))
      .then(() => this.deliver(code))
      .finally(() => this.sending.delete(sending));
    this.sending.add(sending);
  }

  /** Resolves when every code sent so far is delivered or given up (and counted). */
  async settled(): Promise<void> {
    while (this.sending.size > 0) await Promise.all([...this.sending]);
  }

  private async deliver(code: CodeSend): Promise<void> {
    const delivered = await this.attempt(code);
    this.outcomes.inc({ channel: code.message.channel, outcome: delivered ? "delivered" : "failed" });
    if (code.serverProvider) this.lastServerFailureMs = delivered ? undefined : this.clock.now();
    if (!code.tenant) return;
    try {
      await countCodeDelivery(this.db, code.tenant, delivered, this.clock.now());
    } catch (err) {
      this.logger.error({ err }, "a code delivery could not be counted");
    }
  }

  private async attempt({ delivery, message }: CodeSend): Promise<boolean> {
    for (let attempt = 1; ; attempt++) {
      try {
        await delivery.send(message);
        return true;
      } catch (err) {
        const retryInMs = isTransientDeliveryFailure(err) ? this.retriesMs[attempt - 1] : undefined;
        const context = { ...describeDeliveryFailure(err), provider: delivery.name, channel: message.channel, attempt };
        if (retryInMs === undefined) {
          this.logger.error(context, "code delivery failed: the code is given up");
          return false;
        }
        this.logger.warn({ ...context, retryInMs }, "code delivery failed: retrying");
        await sleep(retryInMs, undefined, { ref: false });
      }
    }
  }
}
