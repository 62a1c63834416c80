import { type ChildProcess, spawn } from "node:child_process";
import { existsSync, readFileSync } from "node:fs";
import { afterEach, describe, expect, it } from "vitest";
import { cpuHierarchy, createQuotaGroup, type QuotaGroup } from "../../../bench/cpu-quota.js";
import { cpuSecondsOf } from "../../../bench/harness.js";
import { until } from "./until.js";

const hierarchy = cpuHierarchy();
if (typeof hierarchy === "string") console.warn(`[cpu-quota] skipped: ${hierarchy}`);

/** A process that burns CPU as fast as it is allowed to. */
const busy = () => spawn(process.execPath, ["-e", "for (;;) {}"], { stdio: "ignore" });

const inGroup = (group: QuotaGroup, pid: number | undefined) =>
  readFileSync(`${group.path}/cgroup.procs`, "utf8").split("\n").includes(String(pid));

describe.runIf(typeof hierarchy !== "string")("CPU quotas for npm run surge (a real cgroup)", () => {
  const children: ChildProcess[] = [];
  const groups: QuotaGroup[] = [];
  const quotaGroup = (cores: number) => {
    const group = createQuotaGroup(
      hierarchy as Exclude<typeof hierarchy, string>,
      `fanfare-test-${process.pid}`,
      cores,
    );
    groups.push(group);
    return group;
  };
  const started = () => {
    const child = busy();
    children.push(child);
    return child;
  };
  afterEach(async () => {
    for (const child of children.splice(0)) {
      if (child.exitCode === null && child.signalCode === null) {
        const exited = new Promise((resolve) => child.once("exit", resolve));
        child.kill("SIGKILL");
        await exited;
      }
    }
    for (const group of groups.splice(0)) group.remove();
  });

  it("holds a busy process to 0.2 of a core, and removing the group leaves no trace", async () => {
    const group = quotaGroup(0.2);
    const child = started();
    await until("the busy child to run", () => existsSync(`/proc/${child.pid}/stat`));
    group.add(child.pid as number);
    expect(inGroup(group, child.pid)).toBe(true);

    const before = { cpu: cpuSecondsOf([child.pid]), at: performance.now(), periods: group.periods() };
    // The measurement window: long enough for ten scheduler periods and /proc's 10 ms ticks.
    await new Promise((resolve) => setTimeout(resolve, 1_000));
    const cores = (cpuSecondsOf([child.pid]) - before.cpu) / ((performance.now() - before.at) / 1000);
    const periods = group.periods();
    // Unlimited, the loop would take a whole core (or what a loaded machine leaves it, far above 0.3).
    expect(cores).toBeGreaterThan(0.1);
    expect(cores).toBeLessThan(0.3);
    // The quota, not a busy machine, held it: it ran out of time in most periods.
    expect(periods.throttled - before.periods.throttled).toBeGreaterThan((periods.total - before.periods.total) / 2);

    const exited = new Promise((resolve) => child.once("exit", resolve));
    child.kill("SIGKILL");
    await exited;
    group.remove();
    expect(existsSync(group.path)).toBe(false);
  });

  it("removes a group that still holds a running process, which goes on running outside it", async () => {
    const group = quotaGroup(0.5);
    const child = started();
    await until("the busy child to run", () => existsSync(`/proc/${child.pid}/stat`));
    group.add(child.pid as number);
    group.remove();
    expect(existsSync(group.path)).toBe(false);
    expect(child.exitCode).toBeNull();
    expect(readFileSync(`/proc/${child.pid}/cgroup`, "utf8")).not.toContain(`fanfare-test-${process.pid}`);
  });

  it("refuses a quota under the kernel's minimum before creating anything", () => {
    expect(() => quotaGroup(0.001)).toThrow("under the kernel's 1 ms per 100 ms");
    expect(existsSync(`${(hierarchy as Exclude<typeof hierarchy, string>).mount}/fanfare-test-${process.pid}`)).toBe(
      false,
    );
  });
});
