import type { Worker } from "node:cluster";
import type { Server as HttpServer } from "node:http";
import { type AddressInfo, createServer, type Server, type Socket } from "node:net";

/** The API a port serves. */
export type ApiName = "consumer" | "admin";

/** Primary → worker: the connection travelling with this message is the worker's to serve. */
interface HandedConnection {
  type: "fanfare:connection";
  api: ApiName;
  id: number;
}

/** Worker → primary: the worker holds the connection now, so the primary's copy may go. */
interface AcceptedConnection {
  type: "fanfare:accepted";
  id: number;
}

// A socket the primary only holds (paused, never read or written) has nothing to report.
const ignore = () => {};

/**
 * The primary of `serve --workers N` owns both ports and hands every connection it accepts to a
 * live worker, in turn. It keeps its own copy of the socket until the worker says it holds it:
 * a connection handed to a worker that dies first is then closed, never left hanging, and with
 * no worker live a connection is closed at once instead of waiting for one to come back.
 * Dropping the copy never harms a connection the worker holds: the worker's descriptor keeps it.
 * (Node's own copy, without `keepOpen`, leaks when the worker dies with a socket in flight: the
 * channel's disconnect waits for an acknowledgement that never comes, and the client hangs.)
 */
export class ConnectionDealer {
  private readonly servers: Server[] = [];
  private readonly live: Worker[] = [];
  private readonly unacknowledged = new Map<Worker, Map<number, Socket>>();
  private turn = 0;
  private lastId = 0;

  /** Listens for `api`; the sockets stay paused, so their bytes wait for the worker. */
  async listen(api: ApiName, host: string, port: number): Promise<AddressInfo> {
    const server = createServer({ pauseOnConnect: true }, (socket) => {
      socket.on("error", ignore);
      this.deal(api, socket);
    });
    await new Promise<void>((resolve, reject) => {
      server.once("error", reject);
      server.listen({ host, port }, () => {
        server.off("error", reject);
        resolve();
      });
    });
    this.servers.push(server);
    return server.address() as AddressInfo;
  }

  /** `worker` serves connections from now on. */
  add(worker: Worker): void {
    const held = new Map<number, Socket>();
    this.unacknowledged.set(worker, held);
    worker.on("message", (message: AcceptedConnection) => {
      if (message?.type !== "fanfare:accepted") return;
      held.get(message.id)?.destroy();
      held.delete(message.id);
    });
    this.live.push(worker);
  }

  /** `worker` is gone: it gets no more, and what it never acknowledged is closed. */
  remove(worker: Worker): void {
    const index = this.live.indexOf(worker);
    if (index >= 0) this.live.splice(index, 1);
    for (const socket of this.unacknowledged.get(worker)?.values() ?? []) socket.destroy();
    this.unacknowledged.delete(worker);
  }

  /** Stops accepting connections (those handed over already are the workers'). */
  close(): void {
    for (const server of this.servers) server.close();
  }

  private deal(api: ApiName, socket: Socket): void {
    const worker = this.nextWorker();
    const held = worker && this.unacknowledged.get(worker);
    if (!worker || !held) {
      socket.destroy();
      return;
    }
    const id = ++this.lastId;
    held.set(id, socket);
    const message: HandedConnection = { type: "fanfare:connection", api, id };
    worker.send(message, socket, { keepOpen: true }, (err) => {
      if (!err) return;
      // Its channel closed: the worker is dying and will acknowledge nothing more.
      held.delete(id);
      this.remove(worker);
      this.deal(api, socket);
    });
  }

  private nextWorker(): Worker | undefined {
    while (this.live.length > 0) {
      this.turn = (this.turn + 1) % this.live.length;
      const worker = this.live[this.turn] as Worker;
      if (worker.isConnected()) return worker;
      this.remove(worker);
    }
    return undefined;
  }
}

type ApiServer = Pick<HttpServer, "emit" | "keepAliveTimeout" | "closeIdleConnections">;

/**
 * A worker's side: every connection the primary hands over is served by its API's server, and
 * acknowledged. Node's server counts only the connections it accepted itself, so its close would
 * not wait for these: `drain()` does, once the apps have closed.
 */
export function serveHandedConnections(servers: Record<ApiName, ApiServer>): { drain(): Promise<void> } {
  let open = 0;
  let drained: (() => void) | undefined;
  const closed = () => {
    open--;
    if (open === 0) drained?.();
  };
  process.on("message", (message: HandedConnection, socket: Socket | undefined) => {
    if (message?.type !== "fanfare:connection") return;
    // Without a socket the primary had closed it already; the acknowledgement still settles it.
    if (socket) {
      open++;
      socket.once("close", closed);
      servers[message.api].emit("connection", socket);
    }
    const accepted: AcceptedConnection = { type: "fanfare:accepted", id: message.id };
    // A primary that is gone takes this worker with it (the cluster module ends it).
    process.send?.(accepted, undefined, {}, ignore);
  });
  return {
    drain() {
      for (const server of Object.values(servers)) {
        // Only a response in flight keeps its connection: after it, the connection closes.
        server.keepAliveTimeout = 1;
        server.closeIdleConnections();
      }
      if (open === 0) return Promise.resolve();
      return new Promise<void>((resolve) => {
        drained = resolve;
      });
    },
  };
}
