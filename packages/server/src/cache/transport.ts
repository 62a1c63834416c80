/** One way to reach the other processes. `healthy` is its own latest knowledge of itself. */
export interface Transport {
  readonly name: string;
  readonly healthy: boolean;
  send(payload: string): Promise<void>;
  close(): Promise<void>;
}

/** What a transport tells the bus: a message from another process, or that it may have missed some. */
export interface TransportListener {
  receive(payload: string): void;
  /** Events sent while the transport was away are lost: every cache forgets what it holds. */
  reconnected(): void;
}

export const CHANNEL = "fanfare_invalidation";

/** Rejects once `ms` have passed, whatever `promise` is still doing. */
export function within<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${what} timed out after ${ms} ms`)), ms);
    timer.unref();
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}
