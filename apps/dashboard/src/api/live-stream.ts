import { routes } from "@fanfare/sdk";
import { ApiError } from "./api-error";
import { api } from "./client";
import { currentMode } from "./mode";
import type { QueueLiveView } from "./types";

export type LiveConnection = "connecting" | "streaming" | "polling";

export interface LiveHandlers {
  snapshot: (view: QueueLiveView) => void;
  connection: (connection: LiveConnection) => void;
  /** The queue was deleted (or is not this mode's): nothing more will come. */
  gone: () => void;
}

const POLL_MS = 2000;
/** While polling, the stream is tried again this often. */
const RETRY_STREAM_MS = 30_000;

const sleep = (ms: number, signal: AbortSignal) =>
  new Promise<void>((resolve) => {
    const timer = setTimeout(resolve, ms);
    signal.addEventListener("abort", () => {
      clearTimeout(timer);
      resolve();
    });
  });

/**
 * Follows a queue's live view: the admin API's Server-Sent Events, read through fetch so the mode
 * header travels with them (EventSource cannot send headers), and while the stream is
 * unavailable a poll every 2 s, trying the stream again every 30 s. Returns the way to stop.
 */
export function watchQueue(queueId: string, handlers: LiveHandlers): () => void {
  const stop = new AbortController();
  const { signal } = stop;

  const stream = async (): Promise<"gone" | "ended"> => {
    const response = await fetch(`/api/v1/queues/${encodeURIComponent(queueId)}/events`, {
      headers: { "X-Fanfare-Mode": currentMode(), accept: "text/event-stream" },
      credentials: "same-origin",
      signal,
    });
    if (response.status === 404) return "gone";
    if (!response.ok || !response.body) throw new Error(`the stream was refused (${response.status})`);
    handlers.connection("streaming");
    const reader = response.body.pipeThrough(new TextDecoderStream()).getReader();
    let buffered = "";
    for (;;) {
      const { value, done } = await reader.read();
      if (done) return "ended";
      buffered += value;
      for (let end = buffered.indexOf("\n\n"); end >= 0; end = buffered.indexOf("\n\n")) {
        const block = buffered.slice(0, end);
        buffered = buffered.slice(end + 2);
        const event = /^event: (.*)$/m.exec(block)?.[1];
        const data = /^data: (.*)$/m.exec(block)?.[1];
        if (event === "gone") return "gone";
        if (event === "snapshot" && data) handlers.snapshot(JSON.parse(data) as QueueLiveView);
      }
    }
  };

  const poll = async (untilMs: number): Promise<"gone" | "retry"> => {
    handlers.connection("polling");
    while (!signal.aborted && Date.now() < untilMs) {
      try {
        handlers.snapshot(await api.call(routes.getQueueLive, { params: { id: queueId } }));
      } catch (err) {
        if (err instanceof ApiError && err.status === 404) return "gone";
      }
      await sleep(POLL_MS, signal);
    }
    return "retry";
  };

  void (async () => {
    handlers.connection("connecting");
    while (!signal.aborted) {
      try {
        if ((await stream()) === "gone") return handlers.gone();
      } catch {
        // Refused, cut or unsupported: poll for a while, then try the stream again.
      }
      if (signal.aborted) return;
      if ((await poll(Date.now() + RETRY_STREAM_MS)) === "gone") return handlers.gone();
    }
  })();
  return () => stop.abort();
}
