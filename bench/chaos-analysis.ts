/**
 * What `npm run chaos` concludes from a drop under dependency faults: every request the shoppers
 * made (when, which, what came back), the queue's rows read afterwards straight from PostgreSQL,
 * the fault windows and how each server process ended. Pure: no I/O, so the goal checks can be
 * tested against runs made up to miss them.
 */

export type RequestKind = "guest" | "enter" | "status";

export interface RequestRecord {
  kind: RequestKind;
  shopper: number;
  /** Milliseconds since the drop started. */
  startMs: number;
  endMs: number;
  /** The HTTP status, or 0 when no answer came (connection dropped, 30 s timeout). */
  status: number;
  /** Of a failure: the error code of the body, or why nothing answered. */
  error?: string;
}

export interface FaultWindow {
  dependency: "PostgreSQL" | "Redis";
  mode: "cut" | "hang";
  startMs: number;
  /** When the proxy passed traffic again. */
  endMs: number;
}

export interface ServerOutcome {
  /** Still running when the drop ended (before it was asked to stop). */
  aliveAfterDrop: boolean;
  /** Its exit once sent SIGTERM after the drop. */
  exitCode: number | null;
  signal: string | null;
}

export interface ChaosInput {
  /** Each shopper's consumer id, once a guest session answered (index: shopper). */
  consumerIds: (string | undefined)[];
  requests: RequestRecord[];
  entries: { consumerId: string; seq: number }[];
  faults: FaultWindow[];
  servers: ServerOutcome[];
}

/** After a dependency returns, this long may still answer 503 (the recovery window). */
export const RECOVERY_MS = 2_000;
/** No request waits longer than this, fault or not (the 503 of a dead database included). */
export const MAX_WAIT_MS = 2_000;
/** While Redis is cut or hung, no request waits longer than this. */
export const MAX_WAIT_REDIS_MS = 1_000;

export interface FaultOutcome extends FaultWindow {
  /** Answers 503 that ended inside the window (from its start to RECOVERY_MS after its end). */
  answered503: number;
  /** The longest wait of a request sent while the fault lasted, in ms. */
  slowestMs: number;
  /**
   * From the dependency's return to the end of the last failed request before the next fault, in
   * ms (0 if none failed after the return); null if nothing succeeded after that failure.
   */
  fullServiceAfterMs: number | null;
}

export interface Goal {
  goal: string;
  met: boolean;
  detail: string;
}

export interface ChaosAnalysis {
  shoppers: number;
  requests: number;
  acknowledged: number;
  found: number;
  /** Acknowledged (2xx to an enter) and not in the database. */
  lost: number;
  /** Committed, answered 503 (or no answer), and acknowledged by a retry that found the same entry. */
  committedAnswered503ThenAcknowledged: number;
  /** In the database although no enter was ever acknowledged (the shopper gave up). */
  committedNeverAcknowledged: number;
  doubled: number;
  arrivalGaps: boolean;
  waitedOverMaxMs: number;
  /** When the first and the last of those were sent, in ms; null for none. */
  waitedOverMaxSentMs: [number, number] | null;
  slowestMs: number;
  answered503: number;
  answered503OutsideWindows: number;
  /** Neither 2xx nor 503: a 500, a 429, a dropped connection, a timeout. */
  unexpected: number;
  /** Failures by request, status and error code, most frequent first. */
  failures: { what: string; count: number }[];
  faults: FaultOutcome[];
  servers: ServerOutcome[];
  goals: Goal[];
}

const succeeded = (status: number) => status >= 200 && status < 300;
/** The largest value, 0 for none (a spread of 100,000 arguments would overflow the stack). */
const largest = (values: number[]) => values.reduce((max, value) => Math.max(max, value), 0);
const waited = (r: RequestRecord) => r.endMs - r.startMs;

function fullServiceAfter(requests: RequestRecord[], fault: FaultWindow, nextStartMs: number): number | null {
  // What the next fault did is its own.
  const after = requests.filter((r) => r.endMs > fault.endMs && r.endMs < nextStartMs);
  const lastFailureEnd = Math.max(fault.endMs, largest(after.filter((r) => !succeeded(r.status)).map((r) => r.endMs)));
  const servedSince = after.some((r) => succeeded(r.status) && r.startMs >= lastFailureEnd);
  return servedSince ? lastFailureEnd - fault.endMs : null;
}

function failuresOf(requests: RequestRecord[]): { what: string; count: number }[] {
  const counts = new Map<string, number>();
  for (const r of requests) {
    if (succeeded(r.status)) continue;
    const what = [r.kind, r.status || "no answer", r.error].filter(Boolean).join(" ");
    counts.set(what, (counts.get(what) ?? 0) + 1);
  }
  return [...counts].map(([what, count]) => ({ what, count })).sort((a, b) => b.count - a.count);
}

export function analyse(input: ChaosInput): ChaosAnalysis {
  const { requests, faults, servers } = input;
  const entersOf = new Map<number, RequestRecord[]>();
  for (const r of requests) {
    if (r.kind !== "enter") continue;
    const list = entersOf.get(r.shopper) ?? [];
    list.push(r);
    entersOf.set(r.shopper, list);
  }
  const rowsOf = new Map<string, number>();
  for (const entry of input.entries) rowsOf.set(entry.consumerId, (rowsOf.get(entry.consumerId) ?? 0) + 1);

  let acknowledged = 0;
  let lost = 0;
  let committedAnswered503ThenAcknowledged = 0;
  let committedNeverAcknowledged = 0;
  for (const [shopper, enters] of entersOf) {
    const consumerId = input.consumerIds[shopper];
    const found = consumerId !== undefined && rowsOf.has(consumerId);
    enters.sort((a, b) => a.startMs - b.startMs);
    const first = enters.findIndex((r) => succeeded(r.status));
    if (first === -1) {
      if (found) committedNeverAcknowledged++;
      continue;
    }
    acknowledged++;
    if (!found) lost++;
    // 201 is the enter that created the entry; 200 found it already there, so one of the failed
    // attempts before it had committed.
    else if (enters[first]?.status === 200 && first > 0) committedAnswered503ThenAcknowledged++;
  }

  const slow = requests.filter((r) => waited(r) > MAX_WAIT_MS);
  const seqs = input.entries.map((e) => e.seq).sort((a, b) => a - b);
  const inWindow = (ms: number) => faults.some((f) => ms >= f.startMs && ms <= f.endMs + RECOVERY_MS);
  const refused = requests.filter((r) => r.status === 503);
  const ordered = [...faults].sort((a, b) => a.startMs - b.startMs);
  const faultOutcomes: FaultOutcome[] = ordered.map((fault, i) => ({
    ...fault,
    answered503: refused.filter((r) => r.endMs >= fault.startMs && r.endMs <= fault.endMs + RECOVERY_MS).length,
    slowestMs: largest(requests.filter((r) => r.startMs >= fault.startMs && r.startMs <= fault.endMs).map(waited)),
    fullServiceAfterMs: fullServiceAfter(requests, fault, ordered[i + 1]?.startMs ?? Number.POSITIVE_INFINITY),
  }));

  const analysis: Omit<ChaosAnalysis, "goals"> = {
    shoppers: input.consumerIds.length,
    requests: requests.length,
    acknowledged,
    found: rowsOf.size,
    lost,
    committedAnswered503ThenAcknowledged,
    committedNeverAcknowledged,
    doubled: [...rowsOf.values()].filter((count) => count > 1).length,
    arrivalGaps: seqs.some((seq, i) => seq !== i + 1),
    waitedOverMaxMs: slow.length,
    waitedOverMaxSentMs:
      slow.length === 0
        ? null
        : [
            slow.reduce((min, r) => Math.min(min, r.startMs), Number.POSITIVE_INFINITY),
            largest(slow.map((r) => r.startMs)),
          ],
    slowestMs: largest(requests.map(waited)),
    answered503: refused.length,
    answered503OutsideWindows: refused.filter((r) => !inWindow(r.endMs)).length,
    unexpected: requests.filter((r) => !succeeded(r.status) && r.status !== 503).length,
    failures: failuresOf(requests),
    faults: faultOutcomes,
    servers,
  };
  return { ...analysis, goals: goalsOf(analysis) };
}

function goalsOf(a: Omit<ChaosAnalysis, "goals">): Goal[] {
  const down = a.servers.filter((s) => !s.aliveAfterDrop || s.exitCode !== 0).length;
  const redis = a.faults.filter((f) => f.dependency === "Redis");
  const slowRedis = redis.filter((f) => f.slowestMs > MAX_WAIT_REDIS_MS);
  const late = a.faults.filter((f) => f.fullServiceAfterMs === null || f.fullServiceAfterMs > RECOVERY_MS);
  return [
    {
      goal: "every server process alive through the drop, exit status 0 on SIGTERM",
      met: down === 0,
      detail: `${a.servers.length - down} of ${a.servers.length}`,
    },
    { goal: "0 acknowledged entries lost", met: a.lost === 0, detail: `${a.lost} lost` },
    {
      goal: "every shopper acknowledged in the end",
      met: a.acknowledged === a.shoppers,
      detail: `${a.acknowledged} of ${a.shoppers}`,
    },
    {
      goal: "one entry per consumer, arrival numbers 1..n without gaps",
      met: a.doubled === 0 && !a.arrivalGaps,
      detail: `${a.doubled} doubled${a.arrivalGaps ? ", gaps" : ""}`,
    },
    {
      goal: `503 only from a fault's start to ${RECOVERY_MS / 1000} s after its end`,
      met: a.answered503OutsideWindows === 0,
      detail: `${a.answered503OutsideWindows} outside`,
    },
    {
      goal: "no answer other than 2xx or 503 (no 500, no dropped connection)",
      met: a.unexpected === 0,
      detail: `${a.unexpected}`,
    },
    {
      goal: `no request waits more than ${MAX_WAIT_MS / 1000} s`,
      met: a.waitedOverMaxMs === 0,
      detail: `${a.waitedOverMaxMs} did`,
    },
    {
      goal: `through a Redis fault no request waits more than ${MAX_WAIT_REDIS_MS / 1000} s`,
      met: slowRedis.length === 0,
      detail: redis.map((f) => `${Math.round(f.slowestMs)} ms`).join(", ") || "no Redis fault",
    },
    {
      goal: `full service within ${RECOVERY_MS / 1000} s after each fault`,
      met: late.length === 0,
      detail: a.faults
        .map((f) => (f.fullServiceAfterMs === null ? "never" : `${Math.round(f.fullServiceAfterMs)} ms`))
        .join(", "),
    },
  ];
}
