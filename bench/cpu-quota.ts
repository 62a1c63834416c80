/**
 * `npm run surge -- --cpu-quota Q`: each server process in a cgroup of its own, held to Q cores.
 * N processes at Q then stand for N hosts of Q cores each on a machine too small to give each a
 * real core, while the load generator and PostgreSQL keep the rest. Needs root and the cpu
 * controller, in cgroup v2 (`cpu.max`) or v1 (`cpu.cfs_quota_us` over `cpu.cfs_period_us`).
 */
import { existsSync, mkdirSync, readFileSync, rmdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";

/** The accounting period: the group may run Q × this much CPU time in every period. */
const PERIOD_MICROS = 100_000;
/** The kernel refuses quotas under 1 ms a period. */
const MIN_QUOTA_MICROS = 1_000;

export interface CpuHierarchy {
  version: 1 | 2;
  /** Where the hierarchy holding the cpu controller is mounted. */
  mount: string;
}

export interface QuotaGroup {
  readonly path: string;
  /** Moves a process, with all its threads, into the group. */
  add(pid: number): void;
  /** Scheduler periods the group has seen and those in which it used up its quota (`cpu.stat`). */
  periods(): { total: number; throttled: number };
  /** Moves any process still in the group back to the top of the hierarchy and removes the group. */
  remove(): void;
}

/** The cgroup hierarchy that can limit CPU, or why there is none. */
export function cpuHierarchy(): CpuHierarchy | string {
  if (process.getuid?.() !== 0) return "CPU quotas need root (they are cgroups)";
  const mounts = readFileSync("/proc/self/mounts", "utf8")
    .split("\n")
    .map((line) => line.split(" "))
    .filter(([, , type]) => type === "cgroup" || type === "cgroup2");
  for (const [, mount, type] of mounts) {
    if (type !== "cgroup2" || mount === undefined) continue;
    // On a mixed system the cpu controller may belong to v1 and be missing from v2's list.
    const controllers = readFileSync(join(mount, "cgroup.controllers"), "utf8").trim().split(" ");
    if (controllers.includes("cpu")) return { version: 2, mount };
  }
  for (const [, mount, type, options] of mounts) {
    if (type === "cgroup" && mount !== undefined && options?.split(",").includes("cpu")) return { version: 1, mount };
  }
  return "no cgroup hierarchy here has the cpu controller (neither v2 cpu.max nor v1 cpu.cfs_quota_us)";
}

/** Creates the group `name` at the top of the hierarchy, limited to `cores` (1.5 = one and a half). */
export function createQuotaGroup(hierarchy: CpuHierarchy, name: string, cores: number): QuotaGroup {
  const quota = Math.round(cores * PERIOD_MICROS);
  if (quota < MIN_QUOTA_MICROS) throw new Error(`a quota of ${cores} cores is under the kernel's 1 ms per 100 ms`);
  const path = join(hierarchy.mount, name);
  if (hierarchy.version === 2) {
    // Children of the top group get the cpu files only once it hands the controller down.
    const subtree = join(hierarchy.mount, "cgroup.subtree_control");
    if (!readFileSync(subtree, "utf8").split(" ").includes("cpu")) writeFileSync(subtree, "+cpu");
  }
  mkdirSync(path);
  const group: QuotaGroup = {
    path,
    add(pid) {
      writeFileSync(join(path, "cgroup.procs"), String(pid));
    },
    periods() {
      const stat = new Map(
        readFileSync(join(path, "cpu.stat"), "utf8")
          .trim()
          .split("\n")
          .map((line) => line.split(" ") as [string, string]),
      );
      return { total: Number(stat.get("nr_periods")), throttled: Number(stat.get("nr_throttled")) };
    },
    remove() {
      if (!existsSync(path)) return;
      const top = join(hierarchy.mount, "cgroup.procs");
      for (const pid of readFileSync(join(path, "cgroup.procs"), "utf8").split("\n").filter(Boolean)) {
        writeFileSync(top, pid);
      }
      rmdirSync(path);
    },
  };
  try {
    if (hierarchy.version === 2) {
      writeFileSync(join(path, "cpu.max"), `${quota} ${PERIOD_MICROS}`);
    } else {
      writeFileSync(join(path, "cpu.cfs_period_us"), String(PERIOD_MICROS));
      writeFileSync(join(path, "cpu.cfs_quota_us"), String(quota));
    }
  } catch (err) {
    group.remove();
    throw err;
  }
  return group;
}
