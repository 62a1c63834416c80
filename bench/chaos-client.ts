/**
 * The shoppers of `npm run chaos`. Each arrives at its moment (arrivals spread evenly over the
 * drop), takes a guest session and enters the queue, retrying whatever did not succeed after the
 * answer's Retry-After (1 s without one), with jitter, as a well-behaved client does. Enter is
 * idempotent: a retry after a lost acknowledgement finds the same place. Meanwhile a few pollers
 * ask random entered shoppers' status, so traffic reaches the servers through every fault window.
 * Every request is recorded: what, when (on the caller's clock), and the status that came back.
 */

import type { RequestKind, RequestRecord } from "./chaos-analysis.js";
import { addressOf } from "./harness.js";

export interface DropPlan {
  /** Each shopper talks to one server process (shopper i to i mod n), as a sticky balancer would. */
  consumerUrls: string[];
  queuePath: string;
  publishableKey: string;
  shoppers: number;
  /** Arrivals are spread evenly from 0 to this, in ms on `now`. */
  arrivalsUntilMs: number;
  /** Requests of arriving shoppers in flight at most (more wait their turn, untimed). */
  connections: number;
  pollers: number;
  /** A shopper still without an acknowledged entry stops retrying at this moment. */
  giveUpAtMs: number;
  /** Milliseconds since the drop started: the clock the fault schedule is recorded on too. */
  now(): number;
  /** The pollers poll until this resolves and every shopper is done. */
  scheduleDone: Promise<void>;
}

export interface DropRecord {
  consumerIds: (string | undefined)[];
  requests: RequestRecord[];
}

const TIMEOUT_MS = 30_000;
const POLL_PAUSE_MS = 100;
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, Math.max(0, ms)));

/** At most `free` holders at a time; the others wait in order. */
class Slots {
  private readonly waiting: (() => void)[] = [];
  constructor(private free: number) {}
  async take(): Promise<void> {
    if (this.free > 0) this.free--;
    else await new Promise<void>((resolve) => this.waiting.push(resolve));
  }
  give(): void {
    const next = this.waiting.shift();
    if (next) next();
    else this.free++;
  }
}

interface Answer {
  status: number;
  body: string;
  retryAfterSeconds: number;
}

async function send(url: string, init: RequestInit): Promise<Answer> {
  try {
    const response = await fetch(url, { ...init, signal: AbortSignal.timeout(TIMEOUT_MS) });
    const body = await response.text();
    return { status: response.status, body, retryAfterSeconds: Number(response.headers.get("retry-after")) || 1 };
  } catch (err) {
    return { status: 0, body: String((err as Error).cause ?? err), retryAfterSeconds: 1 };
  }
}

/**
 * The catalog's error code of a refusal (with the request id a 500 names, to find it in the
 * server's log), or what went wrong when nothing answered.
 */
function errorOf(answer: Answer): string {
  if (answer.status === 0) return answer.body.slice(0, 80);
  try {
    const body = JSON.parse(answer.body) as { error?: unknown; requestId?: unknown };
    return body.requestId ? `${body.error} ${body.requestId}` : String(body.error);
  } catch {
    return answer.body.slice(0, 80);
  }
}

export async function runDrop(plan: DropPlan): Promise<DropRecord> {
  const { now } = plan;
  const requests: RequestRecord[] = [];
  const consumerIds: (string | undefined)[] = Array.from({ length: plan.shoppers }, () => undefined);
  const entered: { shopper: number; token: string }[] = [];
  const slots = new Slots(plan.connections);

  const timed = async (kind: RequestKind, shopper: number, url: string, init: RequestInit): Promise<Answer> => {
    const startMs = now();
    const answer = await send(url, init);
    const record: RequestRecord = { kind, shopper, startMs, endMs: now(), status: answer.status };
    if (answer.status < 200 || answer.status >= 300) record.error = errorOf(answer);
    requests.push(record);
    return answer;
  };

  /** Sends until a 2xx, or gives up at the plan's moment. */
  const untilAccepted = async (kind: RequestKind, shopper: number, url: string, init: RequestInit) => {
    for (;;) {
      await slots.take();
      const answer = await timed(kind, shopper, url, init).finally(() => slots.give());
      if (answer.status >= 200 && answer.status < 300) return answer.body;
      if (now() > plan.giveUpAtMs) return undefined;
      await sleep(answer.retryAfterSeconds * 1000 * (0.5 + Math.random()));
    }
  };

  const publishable = { "x-publishable-key": plan.publishableKey };
  const shopper = async (i: number) => {
    await sleep((plan.arrivalsUntilMs * i) / plan.shoppers - now());
    const base = plan.consumerUrls[i % plan.consumerUrls.length];
    const guest = await untilAccepted("guest", i, `${base}/api/v1/auth/guest`, {
      method: "POST",
      headers: { ...publishable, "x-forwarded-for": addressOf(i) },
    });
    if (guest === undefined) return;
    const session = JSON.parse(guest) as { accessToken: string; session: { consumerId: string } };
    consumerIds[i] = session.session.consumerId;
    const entry = await untilAccepted("enter", i, `${base}${plan.queuePath}/enter`, {
      method: "POST",
      headers: { ...publishable, authorization: `Bearer ${session.accessToken}` },
    });
    if (entry !== undefined) entered.push({ shopper: i, token: session.accessToken });
  };

  let shoppersDone = false;
  let scheduleDone = false;
  void plan.scheduleDone.then(() => {
    scheduleDone = true;
  });
  const poller = async () => {
    while (!(shoppersDone && scheduleDone)) {
      const pick = entered[Math.floor(Math.random() * entered.length)];
      if (pick) {
        await timed(
          "status",
          pick.shopper,
          `${plan.consumerUrls[pick.shopper % plan.consumerUrls.length]}${plan.queuePath}/status`,
          {
            headers: { ...publishable, authorization: `Bearer ${pick.token}` },
          },
        );
      }
      await sleep(POLL_PAUSE_MS);
    }
  };
  const polling = Promise.all(Array.from({ length: plan.pollers }, poller));
  await Promise.all(Array.from({ length: plan.shoppers }, (_, i) => shopper(i)));
  shoppersDone = true;
  await polling;
  return { consumerIds, requests };
}
