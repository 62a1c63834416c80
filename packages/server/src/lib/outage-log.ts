import type { Logger } from "pino";

/**
 * One log line when a dependency starts failing and one when it works again, however many
 * attempts fail in between: a database outage must not print a line per tick of every task.
 */
export class OutageLog {
  private failingSinceMs: number | undefined;
  private failures = 0;

  constructor(
    private readonly logger: Logger,
    private readonly what: string,
  ) {}

  get failing(): boolean {
    return this.failingSinceMs !== undefined;
  }

  /** Consecutive failures so far (0 while healthy). */
  get consecutiveFailures(): number {
    return this.failures;
  }

  failed(err: unknown, nowMs = Date.now()): void {
    this.failures++;
    if (this.failingSinceMs !== undefined) return;
    this.failingSinceMs = nowMs;
    // Log lines censor every `code` field (sign-in codes); an error's code names the cause
    // (SQLITE_FULL, ECONNREFUSED), so it goes out again as `errorCode`.
    const code = (err as { code?: unknown } | null)?.code;
    const errorCode = typeof code === "string" ? { errorCode: code } : {};
    this.logger.warn({ err, ...errorCode, task: this.what }, `${this.what} failing; retrying with backoff`);
  }

  succeeded(nowMs = Date.now()): void {
    if (this.failingSinceMs === undefined) return;
    this.logger.info(
      { task: this.what, failures: this.failures, outageMs: nowMs - this.failingSinceMs },
      `${this.what} working again`,
    );
    this.failingSinceMs = undefined;
    this.failures = 0;
  }
}
