import { spawnSync } from "node:child_process";
import { existsSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";

const ROOT = fileURLToPath(new URL("../../..", import.meta.url));
// The surge runs the built server, as production does; `npm ci`/`npm install` build it.
const built = existsSync(fileURLToPath(new URL("../dist/main.js", import.meta.url)));
if (!built && process.env.CI !== "true") console.warn("[surge] skipped: the server is not built (npm run build)");

describe.runIf(built || process.env.CI === "true")("drop surge, CI size (npm run surge)", () => {
  it("1,500 guests enter one queue at once while others poll and the merchant admits: fair and no 5xx", () => {
    const run = spawnSync(
      process.execPath,
      ["--import", "tsx", "bench/surge.ts", "--consumers", "1500", "--connections", "100", "--skip-build"],
      { cwd: ROOT, encoding: "utf8", timeout: 170_000 },
    );
    expect(run.stdout, run.stderr).toContain("all checks passed");
    expect(run.status).toBe(0);
  }, 180_000);
});
