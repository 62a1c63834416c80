import { connect, createServer, type Server, type Socket } from "node:net";

export type FaultMode = "pass" | "cut" | "hang";

/**
 * A TCP proxy the test controls, between the server and a dependency (PostgreSQL, Redis), so a
 * fault is injected without touching the shared service: `pass` forwards, `cut` drops every
 * connection and refuses new ones at once (a failover, a restart), `hang` holds connections open
 * and forwards nothing (a stopped process, a black-holed network).
 */
export class FaultProxy {
  private server: Server | undefined;
  private readonly pairs = new Set<{ client: Socket; upstream: Socket }>();
  private mode: FaultMode = "pass";
  port = 0;

  constructor(
    private readonly targetPort: number,
    private readonly targetHost = "127.0.0.1",
  ) {}

  async start(): Promise<number> {
    const server = createServer((client) => this.accept(client));
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    this.server = server;
    this.port = (server.address() as { port: number }).port;
    return this.port;
  }

  /** Points `url` (postgres://…, redis://…) at this proxy. */
  urlFor(url: string): string {
    const parsed = new URL(url);
    parsed.hostname = "127.0.0.1";
    parsed.port = String(this.port);
    return parsed.toString();
  }

  set(mode: FaultMode): void {
    this.mode = mode;
    for (const pair of this.pairs) {
      if (mode === "cut") this.drop(pair);
      else if (mode === "hang") {
        pair.client.pause();
        pair.upstream.pause();
      } else {
        pair.client.resume();
        pair.upstream.resume();
      }
    }
  }

  async close(): Promise<void> {
    for (const pair of this.pairs) this.drop(pair);
    await new Promise<void>((resolve) => (this.server ? this.server.close(() => resolve()) : resolve()));
  }

  private accept(client: Socket): void {
    client.on("error", () => {});
    if (this.mode === "cut") {
      client.destroy();
      return;
    }
    const upstream = connect(this.targetPort, this.targetHost);
    upstream.on("error", () => {});
    const pair = { client, upstream };
    this.pairs.add(pair);
    const forget = () => this.drop(pair);
    client.on("close", forget);
    upstream.on("close", forget);
    client.pipe(upstream);
    upstream.pipe(client);
    // A hung proxy reads nothing, so the peer's writes back up as on a stopped process (after
    // pipe(), which would resume them).
    if (this.mode === "hang") {
      client.pause();
      upstream.pause();
    }
  }

  private drop(pair: { client: Socket; upstream: Socket }): void {
    this.pairs.delete(pair);
    pair.client.destroy();
    pair.upstream.destroy();
  }
}
