import type { InvalidationEvent } from "../../cache/invalidation.js";
import type { Deps } from "../../deps.js";
import { AppError } from "../../http/errors.js";
import { PLAN_LIVE_STREAMS } from "../../ratelimit/plans.js";
import type { RequestAuth } from "../access/index.js";
import type { CredentialCheck } from "./credential-check.js";
import { StreamCaps, type StreamHolder } from "./stream-caps.js";

/** Every open stream's credential is proved again at least this often, whatever else happens. */
export const RECHECK_EVERY_MS = 30_000;
const SWEEP_MS = 1000;

interface OpenStream {
  readonly holder: StreamHolder;
  readonly keyId: string | null;
  readonly memberId: string | null;
  readonly check: CredentialCheck;
  readonly revoke: () => void;
  checkedAtMs: number;
  checking: boolean;
  /** A change was heard while a check was running (it may have read what was there before). */
  checkAgain: boolean;
}

function holderOf(auth: RequestAuth): StreamHolder {
  const credential = auth.member ? `member:${auth.member.memberId}` : `key:${auth.key?.record.id}`;
  return { credential, organizationId: auth.tenant.organizationId };
}

/** Whether a change may have ended what proved the stream: its key, its member, its organization, or anything. */
function concerns(event: InvalidationEvent, stream: OpenStream): boolean {
  if (event.type === "all") return true;
  if (event.type === "key") return event.keyId === stream.keyId;
  if (event.type === "member") return event.memberId === stream.memberId;
  if (event.type === "organization") return event.organizationId === stream.holder.organizationId;
  return false;
}

/**
 * The live streams this process holds open, whichever admin app serves them: their caps, and
 * the credential behind each, proved again on every change this process hears about it (from
 * any process, over the invalidation bus) and at least every 30 s (by the injected clock, looked
 * at each second). A stream whose credential no longer holds is revoked.
 */
export class LiveStreams {
  private readonly caps: StreamCaps;
  private readonly open = new Set<OpenStream>();
  private sweep: NodeJS.Timeout | undefined;
  private failing = false;

  constructor(private readonly deps: Deps) {
    this.caps = new StreamCaps(deps.config.liveStreamsMax);
    deps.invalidation.subscribe((event) => {
      // After every handler of this event has run: the key cache must have dropped its entry first.
      setImmediate(() => {
        for (const stream of this.open) if (concerns(event, stream)) void this.recheck(stream);
      });
    });
  }

  /** A place for one more stream of this caller, as the function that gives it back; 429 at a cap. */
  async reserve(auth: RequestAuth): Promise<() => void> {
    const organization = await this.deps.organizations.get(auth.tenant.organizationId);
    const release = this.caps.take(holderOf(auth), PLAN_LIVE_STREAMS[organization?.plan ?? "free"]);
    if (!release) {
      throw new AppError("too_many_streams", {
        message: "Too many live streams are open. Close one, or poll /queues/{id}/live instead.",
      });
    }
    return release;
  }

  /** Watches an open stream's credential; `revoke` ends the stream. Returns the way to stop. */
  track(auth: RequestAuth, check: CredentialCheck, revoke: () => void): () => void {
    const stream: OpenStream = {
      holder: holderOf(auth),
      keyId: auth.key?.record.id ?? null,
      memberId: auth.member?.memberId ?? null,
      check,
      revoke,
      checkedAtMs: this.deps.clock.now(),
      checking: false,
      checkAgain: false,
    };
    this.open.add(stream);
    if (!this.sweep) {
      this.sweep = setInterval(() => this.recheckDue(), SWEEP_MS);
      this.sweep.unref();
    }
    return () => {
      this.open.delete(stream);
      if (this.open.size === 0) {
        clearInterval(this.sweep);
        this.sweep = undefined;
      }
    };
  }

  private recheckDue(): void {
    const dueBefore = this.deps.clock.now() - (RECHECK_EVERY_MS - SWEEP_MS);
    for (const stream of this.open) if (stream.checkedAtMs <= dueBefore) void this.recheck(stream);
  }

  private async recheck(stream: OpenStream): Promise<void> {
    if (stream.checking) {
      stream.checkAgain = true;
      return;
    }
    stream.checking = true;
    try {
      do {
        stream.checkAgain = false;
        stream.checkedAtMs = this.deps.clock.now();
        if (!(await stream.check())) {
          this.open.delete(stream);
          stream.revoke();
          return;
        }
      } while (stream.checkAgain && this.open.has(stream));
      if (this.failing) this.deps.logger.info("live streams' credentials can be checked again");
      this.failing = false;
    } catch (err) {
      // Undecided (the database is down, say): the stream goes on and is checked at the next round.
      if (!this.failing) this.deps.logger.warn({ err }, "could not check a live stream's credential; will retry");
      this.failing = true;
    } finally {
      stream.checking = false;
    }
  }
}

const registries = new WeakMap<Deps, LiveStreams>();

/** The one registry of a process's streams (one `Deps` per process): caps count every admin app's streams. */
export function liveStreamsOf(deps: Deps): LiveStreams {
  let streams = registries.get(deps);
  if (!streams) {
    streams = new LiveStreams(deps);
    registries.set(deps, streams);
  }
  return streams;
}
