import type { Logger } from "pino";
import { OutageLog } from "./outage-log.js";

export interface PeriodicTaskOptions {
  everyMs: number;
  logger: Logger;
  /** The longest wait between attempts while the task keeps failing. */
  maxBackoffMs?: number;
}

const DEFAULT_MAX_BACKOFF_MS = 30_000;

/**
 * Runs `work` every `everyMs`, one run at a time, and can never end the process: a failure is
 * caught, logged once per outage (`OutageLog`), and retried after a wait that doubles up to
 * `maxBackoffMs`; the first success after an outage logs once and restores the normal pace.
 */
export class PeriodicTask {
  private timer: NodeJS.Timeout | undefined;
  private running: Promise<void> | undefined;
  private stopped = true;
  private readonly outage: OutageLog;
  private readonly maxBackoffMs: number;

  constructor(
    name: string,
    private readonly work: () => Promise<unknown>,
    private readonly options: PeriodicTaskOptions,
  ) {
    this.outage = new OutageLog(options.logger, name);
    this.maxBackoffMs = Math.max(options.maxBackoffMs ?? DEFAULT_MAX_BACKOFF_MS, options.everyMs);
  }

  get failing(): boolean {
    return this.outage.failing;
  }

  start(): void {
    if (!this.stopped) return;
    this.stopped = false;
    this.schedule();
  }

  /** Stops the timer and waits for a run in progress. */
  async stop(): Promise<void> {
    this.stopped = true;
    clearTimeout(this.timer);
    await this.running;
  }

  /** One run now (joining the one in progress, if any); never rejects. */
  runNow(): Promise<void> {
    this.running ??= Promise.resolve()
      .then(() => this.work())
      .then(
        () => this.outage.succeeded(),
        (err: unknown) => this.outage.failed(err),
      )
      .finally(() => {
        this.running = undefined;
      });
    return this.running;
  }

  private schedule(): void {
    if (this.stopped) return;
    const failures = this.outage.consecutiveFailures;
    const waitMs =
      failures === 0 ? this.options.everyMs : Math.min(this.options.everyMs * 2 ** failures, this.maxBackoffMs);
    this.timer = setTimeout(() => void this.runNow().then(() => this.schedule()), waitMs);
    this.timer.unref();
  }
}
