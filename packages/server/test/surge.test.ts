import { spawnSync } from "node:child_process";
import { existsSync, readdirSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { describe, expect, inject, it } from "vitest";
import { cpuHierarchy } from "../../../bench/cpu-quota.js";

const ROOT = fileURLToPath(new URL("../../..", import.meta.url));
// The surge runs the built server, as production does; `npm ci`/`npm install` build it.
const built = existsSync(fileURLToPath(new URL("../dist/main.js", import.meta.url)));
if (!built && process.env.CI !== "true") console.warn("[surge] skipped: the server is not built (npm run build)");

const surge = (args: string[], timeout: number) =>
  spawnSync(process.execPath, ["--import", "tsx", "bench/surge.ts", ...args], { cwd: ROOT, encoding: "utf8", timeout });

describe.runIf(built || process.env.CI === "true")("drop surge, CI size (npm run surge)", () => {
  it("1,500 guests enter one queue at once while others poll and the merchant admits, then rotate: fair and no 5xx", () => {
    // --no-report: a test run must not replace the published figures in docs/BENCHMARKS.md.
    const run = surge(
      ["--consumers", "1500", "--connections", "100", "--physical-seconds", "0.5", "--no-report", "--skip-build"],
      170_000,
    );
    expect(run.stdout, run.stderr).toContain("all checks passed");
    expect(run.status).toBe(0);
    expect(run.stdout).toMatch(/\| SQLite, 1 process \| [\d,]+ \| [\d,]+ \| \d+ \| [\d,]+ \|/);
    expect(run.stdout).toMatch(/\| refresh rotations \| 1500 \| [\d,]+ \| \d+ \| \d+ \| [\d,]+ \| [\d,]+ \| 0 \| 0 \|/);
    expect(run.stdout).toMatch(/\| Ed25519 signs\/s, one core \(node:crypto\) \| [\d,]+ \|/);
    expect(run.stdout).toMatch(/\| SQLite rows\/s, batched \(1,000 per transaction\) \| [\d,]+ \|/);
  }, 180_000);

  it("refuses several server processes on SQLite, before building or starting anything", () => {
    const run = surge(["--processes", "2"], 30_000);
    expect(run.status).toBe(2);
    expect(run.stderr).toContain("--processes 2 needs --db postgres");
    expect(run.stdout).toBe("");
  });

  it("refuses a CPU quota it cannot set up instead of running without it", () => {
    // Under the kernel's minimum as root; no cgroups at all otherwise: refused either way.
    const run = surge(["--db", "postgres", "--processes", "2", "--cpu-quota", "0.001"], 30_000);
    expect(run.status).toBe(2);
    expect(run.stderr).toMatch(/^npm run surge: --cpu-quota 0\.001: .+; refusing to run without the quota\n$/);
    expect(run.stdout).toBe("");
  });
});

const hierarchy = cpuHierarchy();
describe.runIf(
  (built || process.env.CI === "true") && typeof hierarchy !== "string" && inject("postgres") && inject("redis"),
)("drop surge scaling under CPU quotas (npm run surge -- --scaling --cpu-quota)", () => {
  it("runs 1 and 2 quota-held processes after a warm-up, each as busy as one alone, compares them, and removes its groups", () => {
    const mount = (hierarchy as Exclude<typeof hierarchy, string>).mount;
    const groups = () => readdirSync(mount).filter((name) => name.startsWith("fanfare-surge-"));
    const before = groups();
    const run = surge(
      [
        ...["--db", "postgres", "--redis", "--processes", "2", "--cpu-quota", "0.5", "--scaling", "--per-process"],
        ...["--consumers", "400", "--warm-up", "100", "--connections", "40", "--physical-seconds", "0.2"],
        ...["--no-report", "--skip-build"],
      ],
      170_000,
    );
    expect(run.stdout, run.stderr).toContain("all checks passed");
    expect(run.status).toBe(0);
    // --per-process: two processes get twice the shoppers (and connections) of one.
    expect(run.stdout).toContain("Warm-up: creating 100 guest consumers");
    expect(run.stdout).toContain("Surge: creating 400 guest consumers");
    expect(run.stdout).toContain("Warm-up: creating 200 guest consumers");
    expect(run.stdout).toContain("Surge: creating 800 guest consumers");
    expect(run.stdout).toContain("| PostgreSQL + Redis, 2 processes, 0.5 CPU each |");
    expect(run.stdout).toMatch(/\| 1 \| [\d,]+ \| [\d,]+ \| [\d,]+ \| [\d,]+ \| \d+% \| \d+% \|/);
    expect(run.stdout).toMatch(
      /\| 2 \| [\d,]+ \(×\d\.\d\d\) \| [\d,]+ \| [\d,]+ \(×\d\.\d\d\) \| [\d,]+ \| \d+% \| \d+% \|/,
    );
    expect(groups()).toEqual(before);
  }, 180_000);
});
