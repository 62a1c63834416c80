import type { Writable } from "node:stream";

/** Log bytes held for a slow reader (a few thousand request lines) before new lines are dropped. */
const LOG_BUFFER_BYTES = 1024 * 1024;
const DRAIN_POLL_MS = 10;

/**
 * pino's destination for stdout. pino's own writes synchronously and, when nobody reads the pipe,
 * waits for the reader: requests stop and not even the shutdown deadline can run. Here lines go
 * to the (asynchronous) target stream, at most `maxBufferedBytes` of them waiting; past that whole
 * lines are dropped and counted, and once the reader has caught up `onDropped` reports the count.
 */
export class BoundedLogStream {
  #dropped = 0;
  #broken = false;

  constructor(
    private readonly target: Writable,
    private readonly onDropped: (lines: number) => void,
    private readonly maxBufferedBytes = LOG_BUFFER_BYTES,
  ) {
    target.on("drain", () => this.#reportDropped());
    // The reader went away (EPIPE): the lines have nowhere to go, and serving must go on.
    target.on("error", () => {
      this.#broken = true;
    });
  }

  write(line: string): void {
    if (this.#broken) return;
    // Lengths in characters, as the target counts strings: a bound, not an exact byte count.
    if (this.target.writableLength + line.length > this.maxBufferedBytes) {
      this.#dropped += 1;
      return;
    }
    this.target.write(line);
  }

  /** Resolves once every line has been handed to the reader, or after `timeoutMs` at most. */
  async drained(timeoutMs: number): Promise<void> {
    const giveUpAt = Date.now() + timeoutMs;
    // Polled: 'drain' is only emitted after a write was refused, not whenever the buffer empties.
    while (!this.#broken && this.target.writableLength > 0 && Date.now() < giveUpAt) {
      await new Promise((resolve) => setTimeout(resolve, DRAIN_POLL_MS));
    }
  }

  #reportDropped(): void {
    if (this.#dropped === 0) return;
    const lines = this.#dropped;
    this.#dropped = 0;
    this.onDropped(lines);
  }
}
