import { describe, expect, it } from "vitest";
import { analyse, type ChaosAnalysis, type ChaosInput, type RequestRecord } from "../../../bench/chaos-analysis.js";

/**
 * The goal checks of `npm run chaos`, on small made-up drops: a run that meets every goal, and a
 * run changed in one way for each goal, which must then be missed (and only that one).
 */
const request = (
  kind: RequestRecord["kind"],
  shopper: number,
  startMs: number,
  endMs: number,
  status: number,
): RequestRecord => ({ kind, shopper, startMs, endMs, status });

/**
 * Three shoppers; PostgreSQL cut from 1 s to 2 s, Redis from 5 s to 6 s. Shopper 1's first enter
 * committed but its answer was a 503; its retry found the entry (200).
 */
function cleanRun(): ChaosInput {
  return {
    consumerIds: ["c0", "c1", "c2"],
    requests: [
      request("guest", 0, 100, 120, 201),
      request("enter", 0, 130, 150, 201),
      request("guest", 1, 900, 920, 201),
      request("enter", 1, 950, 1_050, 503),
      request("enter", 1, 2_100, 2_130, 200),
      request("guest", 2, 1_200, 1_210, 503),
      request("guest", 2, 2_200, 2_220, 201),
      request("enter", 2, 2_230, 2_260, 201),
      request("status", 0, 5_200, 5_400, 200),
      request("status", 1, 6_500, 6_520, 200),
    ],
    entries: [
      { consumerId: "c0", seq: 1 },
      { consumerId: "c1", seq: 2 },
      { consumerId: "c2", seq: 3 },
    ],
    faults: [
      { dependency: "PostgreSQL", mode: "cut", startMs: 1_000, endMs: 2_000 },
      { dependency: "Redis", mode: "hang", startMs: 5_000, endMs: 6_000 },
    ],
    servers: [{ aliveAfterDrop: true, exitCode: 0, signal: null }],
  };
}

const missed = (analysis: ChaosAnalysis) => analysis.goals.filter((g) => !g.met).map((g) => g.goal);

describe("npm run chaos: the analysis of a drop under faults", () => {
  it("meets every goal on a clean run, counting a committed enter answered 503 as committed, not lost", () => {
    const analysis = analyse(cleanRun());
    expect(missed(analysis)).toEqual([]);
    expect(analysis).toMatchObject({
      shoppers: 3,
      acknowledged: 3,
      found: 3,
      lost: 0,
      committedAnswered503ThenAcknowledged: 1,
      committedNeverAcknowledged: 0,
      answered503: 2,
      answered503OutsideWindows: 0,
      waitedOverMaxMs: 0,
      waitedOverMaxSentMs: null,
      slowestMs: 200,
    });
    expect(analysis.faults.map((f) => [f.dependency, f.answered503, f.slowestMs, f.fullServiceAfterMs])).toEqual([
      ["PostgreSQL", 2, 10, 0],
      ["Redis", 0, 200, 0],
    ]);
  });

  it("misses 0 lost when an acknowledged entry is not in the database", () => {
    const run = cleanRun();
    run.entries = run.entries.filter((e) => e.consumerId !== "c2");
    const analysis = analyse(run);
    expect(analysis.lost).toBe(1);
    expect(missed(analysis)).toEqual(["0 acknowledged entries lost"]);
  });

  it("tells an entry committed while never acknowledged, and misses every shopper acknowledged", () => {
    const run = cleanRun();
    run.requests = run.requests.filter((r) => !(r.kind === "enter" && r.shopper === 1 && r.status === 200));
    const analysis = analyse(run);
    expect(analysis).toMatchObject({ acknowledged: 2, lost: 0, committedNeverAcknowledged: 1 });
    expect(missed(analysis)).toEqual(["every shopper acknowledged in the end"]);
  });

  it("counts a retry answered 201 as the first commit: its earlier 503 did not commit", () => {
    const run = cleanRun();
    run.requests = run.requests.map((r) => (r.kind === "enter" && r.status === 200 ? { ...r, status: 201 } : r));
    expect(analyse(run).committedAnswered503ThenAcknowledged).toBe(0);
  });

  it("misses fairness on a consumer with two entries or a gap in arrival numbers", () => {
    const doubled = cleanRun();
    doubled.entries.push({ consumerId: "c0", seq: 4 });
    expect(missed(analyse(doubled))).toEqual(["one entry per consumer, arrival numbers 1..n without gaps"]);
    const gap = cleanRun();
    gap.entries = gap.entries.map((e) => (e.seq === 3 ? { ...e, seq: 4 } : e));
    expect(analyse(gap).arrivalGaps).toBe(true);
    expect(missed(analyse(gap))).toEqual(["one entry per consumer, arrival numbers 1..n without gaps"]);
  });

  it("misses 503-only-during-the-fault and full service for a 503 later than 2 s after the return", () => {
    const run = cleanRun();
    run.requests.push(request("status", 0, 4_050, 4_100, 503), request("status", 0, 4_200, 4_210, 200));
    const analysis = analyse(run);
    expect(analysis.answered503OutsideWindows).toBe(1);
    expect(analysis.faults[0]?.fullServiceAfterMs).toBe(2_100);
    expect(missed(analysis)).toEqual([
      "503 only from a fault's start to 2 s after its end",
      "full service within 2 s after each fault",
    ]);
  });

  it("allows a 503 within the 2 s after the return, and times full service to it", () => {
    const run = cleanRun();
    run.requests.push(request("status", 0, 3_500, 3_600, 503), request("status", 0, 3_700, 3_710, 200));
    const analysis = analyse(run);
    expect(missed(analysis)).toEqual([]);
    expect(analysis.faults[0]?.fullServiceAfterMs).toBe(1_600);
  });

  it("does not count the next fault's failures against the previous one's return", () => {
    const run = cleanRun();
    run.requests.push(request("status", 0, 4_990, 5_010, 503));
    const analysis = analyse(run);
    expect(missed(analysis)).toEqual([]);
    expect(analysis.faults[0]?.fullServiceAfterMs).toBe(0);
  });

  it("misses full service when nothing succeeded after the last failure", () => {
    const run = cleanRun();
    run.requests = run.requests.filter((r) => r.endMs < 2_000 || r.endMs > 5_000);
    run.requests.push(request("enter", 2, 2_100, 2_150, 503));
    const analysis = analyse(run);
    expect(analysis.faults[0]?.fullServiceAfterMs).toBeNull();
    expect(missed(analysis)).toContain("full service within 2 s after each fault");
  });

  it("misses the Redis goal on a request over 1 s during a Redis fault, and only that one", () => {
    const run = cleanRun();
    run.requests.push(request("status", 2, 5_900, 7_000, 200));
    expect(missed(analyse(run))).toEqual(["through a Redis fault no request waits more than 1 s"]);
  });

  it("misses the 2 s goal on any request that waited longer, fault or not", () => {
    const run = cleanRun();
    run.requests.push(request("status", 2, 3_000, 5_001, 200));
    const analysis = analyse(run);
    expect(analysis.waitedOverMaxMs).toBe(1);
    expect(analysis.waitedOverMaxSentMs).toEqual([3_000, 3_000]);
    // Sent before the Redis hang, it is not counted against it.
    expect(missed(analysis)).toEqual(["no request waits more than 2 s"]);
  });

  it("misses the answers goal on a 500 or a dropped connection", () => {
    const run = cleanRun();
    run.requests.push(
      { ...request("status", 0, 7_000, 7_010, 500), error: "internal_error" },
      { ...request("status", 1, 7_000, 7_020, 0), error: "ECONNRESET" },
    );
    const analysis = analyse(run);
    expect(analysis.unexpected).toBe(2);
    expect(analysis.failures).toEqual([
      { what: "enter 503", count: 1 },
      { what: "guest 503", count: 1 },
      { what: "status 500 internal_error", count: 1 },
      { what: "status no answer ECONNRESET", count: 1 },
    ]);
    expect(missed(analysis)).toContain("no answer other than 2xx or 503 (no 500, no dropped connection)");
  });

  it("misses every-process-alive on a process that died during the drop or exited non-zero", () => {
    const died = cleanRun();
    died.servers.push({ aliveAfterDrop: false, exitCode: 1, signal: null });
    expect(missed(analyse(died))).toEqual(["every server process alive through the drop, exit status 0 on SIGTERM"]);
    const unclean = cleanRun();
    unclean.servers = [{ aliveAfterDrop: true, exitCode: null, signal: "SIGKILL" }];
    expect(missed(analyse(unclean))).toEqual(["every server process alive through the drop, exit status 0 on SIGTERM"]);
  });
});
