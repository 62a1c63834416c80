import { FanfareError, type QueueConsumerState, type Session } from "@fanfare/sdk";
import { useCallback, useEffect, useRef, useState } from "react";
import { useFanfare } from "./context.js";

/** The current session (null when signed out); re-renders on every sign-in, upgrade and sign-out. */
export function useSession(): Session | null {
  const client = useFanfare();
  const [session, setSession] = useState(() => client.auth.getSession());
  useEffect(() => {
    setSession(client.auth.getSession());
    return client.auth.onChange(setSession);
  }, [client]);
  return session;
}

export interface UseQueueOptions {
  /** How often to poll while the consumer waits or is admitted (default 5 s). */
  intervalMs?: number;
  /** The slower pace while the tab is hidden (default 30 s). */
  hiddenIntervalMs?: number;
}

export interface UseQueueResult {
  /** The consumer's place, or null before they enter (or when signed out). */
  state: QueueConsumerState | null;
  error: FanfareError | null;
  loading: boolean;
  enter(options?: { fingerprint?: string }): Promise<QueueConsumerState>;
  leave(): Promise<void>;
  refresh(): Promise<void>;
}

const isLive = (state: QueueConsumerState | null) => state?.status === "QUEUED" || state?.status === "ADMITTED";
const pageHidden = () => typeof document !== "undefined" && document.visibilityState === "hidden";

/**
 * The signed-in consumer's place in a queue, polled while they wait or hold an admission, and
 * more slowly while the tab is hidden (a hidden tab of a drop is still in line, but nobody is
 * watching it).
 */
export function useQueue(queueId: string, options: UseQueueOptions = {}): UseQueueResult {
  const client = useFanfare();
  const session = useSession();
  const [state, setState] = useState<QueueConsumerState | null>(null);
  const [error, setError] = useState<FanfareError | null>(null);
  const [loading, setLoading] = useState(true);
  const intervalMs = options.intervalMs ?? 5000;
  const hiddenIntervalMs = options.hiddenIntervalMs ?? 30_000;
  const mounted = useRef(true);

  const refresh = useCallback(async () => {
    if (!client.auth.getSession()) {
      setState(null);
      setLoading(false);
      return;
    }
    try {
      const next = await client.queues.status(queueId);
      if (mounted.current) {
        setState(next);
        setError(null);
      }
    } catch (err) {
      if (!mounted.current) return;
      if (err instanceof FanfareError && err.status === 404 && err.code === "consumer_not_in_queue") setState(null);
      else if (err instanceof FanfareError) setError(err);
      else throw err;
    } finally {
      if (mounted.current) setLoading(false);
    }
  }, [client, queueId]);

  // Re-read the place whenever the consumer changes: sign-in, guest upgrade, sign-out.
  const consumerId = session?.consumerId ?? null;
  useEffect(() => {
    mounted.current = true;
    if (consumerId === null) {
      setState(null);
      setLoading(false);
    } else void refresh();
    return () => {
      mounted.current = false;
    };
  }, [refresh, consumerId]);

  const live = isLive(state);
  useEffect(() => {
    if (!live) return;
    let timer: ReturnType<typeof setTimeout>;
    let stopped = false;
    const schedule = () => {
      clearTimeout(timer);
      // A poll still in flight when the effect ended must not start the next one.
      if (stopped) return;
      timer = setTimeout(
        () => {
          void refresh().finally(schedule);
        },
        pageHidden() ? hiddenIntervalMs : intervalMs,
      );
    };
    schedule();
    document.addEventListener("visibilitychange", schedule);
    return () => {
      stopped = true;
      clearTimeout(timer);
      document.removeEventListener("visibilitychange", schedule);
    };
  }, [live, refresh, intervalMs, hiddenIntervalMs]);

  const enter = useCallback(
    async (enterOptions: { fingerprint?: string } = {}) => {
      const next = await client.queues.enter(queueId, enterOptions);
      setState(next);
      return next;
    },
    [client, queueId],
  );

  const leave = useCallback(async () => {
    await client.queues.leave(queueId);
    await refresh();
  }, [client, queueId, refresh]);

  return { state, error, loading, enter, leave, refresh };
}
