/**
 * The "Drop surge" section of docs/BENCHMARKS.md: one block per setup (database, Redis, number of
 * processes), each holding that setup's latest `npm run surge`. `npm run bench` rewrites the rest
 * of the file and keeps this section as it is.
 */
import { existsSync, readFileSync, writeFileSync } from "node:fs";

export const SURGE_HEADING = "## Drop surge";

const INTRO = `Written by \`npm run surge\`; each setup keeps its latest run. All shoppers get a guest session
(each from its own address, sent as \`X-Forwarded-For\` by the trusted loopback), then all of them
enter one queue at once while a quarter as many connections poll status and the merchant admits
in batches, then each rotates its refresh token once. With several processes, all on one
database, each creates an even share of the sessions and each shopper's token then goes to a
process other than the one that issued it, as behind a round-robin load balancer. With
\`--cpu-quota Q\` each server process runs in a cgroup of its own held to Q cores, and
\`--scaling\` compares 1, 2 … N such processes. Server CPU is user + system time of every
server thread (\`/proc/<pid>/stat\`) over the phase, divided by its requests; enter and status
polling run together and share one figure. The physical figures are measured in the same run,
before the load, on the same machine: the distance between them and the table is what the
software costs. The load generator shares the machine's cores with the servers.`;

/** The surge section of a report (from its heading to the end of the file), or "" when there is none. */
export function surgeSectionOf(report: string): string {
  const start = report.indexOf(`\n${SURGE_HEADING}\n`);
  return start === -1 ? "" : report.slice(start + 1);
}

/** Replaces the block titled `title` (or appends it), keeping the other setups' blocks. */
export function withSurgeBlock(report: string, title: string, block: string): string {
  const section = surgeSectionOf(report);
  const before = section ? report.slice(0, report.length - section.length) : `${report.trimEnd()}\n\n`;
  const blocks = section
    .split(/\n(?=### )/)
    .slice(1)
    .map((text) => text.trimEnd());
  const heading = `### ${title}`;
  const fresh = `${heading}\n\n${block.trimEnd()}`;
  const at = blocks.findIndex((text) => text.split("\n", 1)[0] === heading);
  if (at === -1) blocks.push(fresh);
  else blocks[at] = fresh;
  return `${before}${SURGE_HEADING}\n\n${INTRO}\n\n${blocks.join("\n\n")}\n`;
}

export function writeSurgeBlock(file: string, title: string, block: string): void {
  const report = existsSync(file) ? readFileSync(file, "utf8") : "# Benchmarks\n";
  writeFileSync(file, withSurgeBlock(report, title, block));
}
