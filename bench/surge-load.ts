/** How `npm run surge` fires its phases at the server processes and charges them their CPU. */
import { readFileSync } from "node:fs";
import autocannon from "autocannon";
import { cpuSecondsOf, type Fanfare, untilLastResponse, withChildren } from "./harness.js";

export interface Phase {
  name: string;
  requests: number;
  seconds: number;
  p50: number;
  p99: number;
  serverErrors: number;
  /** Connection errors and client timeouts: the load generator gave up, the server may still have answered. */
  dropped: number;
  /** Server CPU (all processes, all threads) over the phase per request; phases that run together share it. */
  cpuMicrosPerRequest: number;
  /** The load generator's own CPU (this process) per request: it shares the machine's cores. */
  loadCpuMicrosPerRequest: number;
  /** Server CPU over the phase's window, all processes (shared by the phases that run together). */
  serverCpuSeconds: number;
  /** Share of the machine's CPU time nobody used over the phase's window (/proc/stat). */
  machineIdle: number;
  /** With CPU quotas: share of the scheduler periods over the window in which the servers used up theirs. */
  throttled: number | undefined;
}

export type Load = Omit<
  Phase,
  "cpuMicrosPerRequest" | "loadCpuMicrosPerRequest" | "serverCpuSeconds" | "machineIdle" | "throttled"
>;

/** Scheduler periods the servers' quota groups have seen so far, and those they spent throttled. */
export type Periods = () => { total: number; throttled: number };

/** One server process's share of a phase: `streams[p]` goes to process p. */
export interface Stream {
  amount: number;
  request: autocannon.Request;
}

// autocannon's typings leave out how the results of several instances are combined.
const { aggregateResult } = autocannon as unknown as {
  aggregateResult(results: autocannon.Result[], options: autocannon.Options): autocannon.Result;
};

/**
 * Fires every process its own stream at once, one autocannon instance each, `connections` dealt
 * evenly over them: what each process receives is decided here (which shopper's token goes
 * where), not by autocannon's round-robin over its connections.
 */
export async function load(
  fanfare: Fanfare,
  name: string,
  path: string,
  streams: Stream[],
  connections: number,
): Promise<Load> {
  const active = streams.flatMap((stream, p) =>
    stream.amount > 0 ? [{ ...stream, url: fanfare.consumerUrls[p] }] : [],
  );
  const timed = active.map((stream) => untilLastResponse(stream.request));
  const results = await Promise.all(
    active.map((stream, i) => {
      const share = Math.floor(connections / active.length) + (i < connections % active.length ? 1 : 0);
      return autocannon({
        url: `${stream.url}${path}`,
        connections: Math.max(1, Math.min(share, stream.amount)),
        amount: stream.amount,
        timeout: 30,
        requests: [(timed[i] as (typeof timed)[number]).request],
        skipAggregateResult: true,
      });
    }),
  );
  const result = aggregateResult(results, { url: fanfare.consumerUrl, connections });
  return {
    name,
    requests: result.requests.total,
    seconds: Math.max(...timed.map((each) => each.seconds())),
    p50: result.latency.p50,
    p99: result.latency.p99,
    serverErrors: result["5xx"],
    dropped: result.errors + result.timeouts,
  };
}

/** Idle and total jiffies of the whole machine so far (the first line of /proc/stat). */
function machineJiffies(): { idle: number; total: number } {
  const fields = (readFileSync("/proc/stat", "utf8").split("\n", 1)[0] as string)
    .trim()
    .split(/\s+/)
    .slice(1)
    .map(Number);
  // idle and iowait (fields 4 and 5) are time no task ran.
  return { idle: (fields[3] ?? 0) + (fields[4] ?? 0), total: fields.reduce((sum, n) => sum + n, 0) };
}

/** Starts the loads together and charges them the servers' CPU time over the whole window. */
export async function withServerCpu(
  fanfare: Fanfare,
  loads: () => Promise<Load>[],
  periods: Periods | undefined,
): Promise<Phase[]> {
  const pids = withChildren(fanfare.servers.map((server) => server.child.pid));
  const periodsBefore = periods?.();
  const before = cpuSecondsOf(pids);
  const loadBefore = cpuSecondsOf([process.pid]);
  const machineBefore = machineJiffies();
  const results = await Promise.all(loads());
  const serverCpuSeconds = cpuSecondsOf(pids) - before;
  const loadCpuSeconds = cpuSecondsOf([process.pid]) - loadBefore;
  const machine = machineJiffies();
  const machineIdle = (machine.idle - machineBefore.idle) / (machine.total - machineBefore.total);
  const periodsAfter = periods?.();
  const throttled =
    periodsBefore && periodsAfter
      ? (periodsAfter.throttled - periodsBefore.throttled) / (periodsAfter.total - periodsBefore.total)
      : undefined;
  const requests = results.reduce((sum, result) => sum + result.requests, 0);
  return results.map((result) => ({
    ...result,
    cpuMicrosPerRequest: (serverCpuSeconds * 1e6) / requests,
    loadCpuMicrosPerRequest: (loadCpuSeconds * 1e6) / requests,
    serverCpuSeconds,
    machineIdle,
    throttled,
  }));
}
