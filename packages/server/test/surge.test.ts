import { spawnSync } from "node:child_process";
import { existsSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";

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
});
