import type { ServerResponse } from "node:http";

/** How long a last event may wait for a slow reader before its connection is cut. */
const FINISH_DEADLINE_MS = 1000;

const format = (event: string, data: unknown) => `event: ${event}\ndata: ${JSON.stringify(data)}\n\n`;

/**
 * One client's Server-Sent Events. Writes respect backpressure: while the socket has not
 * drained, snapshots do not pile up behind each other in memory; only the latest waits, and it
 * is sent on `drain`. A reader too slow for the stream misses readings, never holds the
 * server's memory.
 */
export class SseStream {
  private draining = false;
  private latest: string | undefined;
  private finished = false;

  constructor(private readonly response: ServerResponse) {
    response.on("drain", () => this.drained());
  }

  /** A reading: sent now, or kept (replacing any kept before) until the client catches up. */
  send(event: string, data: unknown): void {
    if (this.finished) return;
    const text = format(event, data);
    if (this.draining) this.latest = text;
    else this.write(text);
  }

  /**
   * The stream's last event, then its end. The connection closes once the client has read it,
   * or a second later regardless: a reader that stopped reading does not keep it open.
   */
  finish(event: string, data: unknown): void {
    if (this.finished) return;
    this.finished = true;
    this.latest = undefined;
    this.response.end(format(event, data));
    const cut = setTimeout(() => this.response.socket?.destroy(), FINISH_DEADLINE_MS);
    cut.unref();
    this.response.once("close", () => clearTimeout(cut));
  }

  private write(text: string): void {
    if (!this.response.write(text)) this.draining = true;
  }

  private drained(): void {
    this.draining = false;
    const latest = this.latest;
    this.latest = undefined;
    if (latest !== undefined && !this.finished) this.write(latest);
  }
}
