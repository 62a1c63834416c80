/** `npm run surge -- --scaling`: the same surge with 1, 2 … N server processes, side by side. */
import type { ArrivalBatches } from "./arrival-batches.js";
import type { Phase } from "./surge-load.js";

export interface ScalingRow {
  processes: number;
  guest: Phase;
  enter: Phase;
  batches: ArrivalBatches;
}

const integer = (value: number) => Math.round(value).toLocaleString("en");
const percent = (share: number) => `${Math.round(share * 100)}%`;
const perSecond = (phase: Phase) => phase.requests / phase.seconds;

/** Rates next to the one-process row's (×ratio); CPU per request of the phase's own window. */
export function scalingTable(rows: ScalingRow[], quota: number | undefined): string {
  const [first] = rows;
  const micros = (phase: Phase) => integer((phase.serverCpuSeconds * 1e6) / phase.requests);
  // Every row but the first next to the first: ×2 is what two processes should reach.
  const rate = (phase: Phase, base: Phase | undefined, i: number) =>
    `${integer(perSecond(phase))}${i > 0 && base ? ` (×${(perSecond(phase) / perSecond(base)).toFixed(2)})` : ""}`;
  return [
    `Each server process held to ${quota === undefined ? "no quota" : `${quota} CPU`}; CPU per enter is the servers' CPU over the arrival window (status polls alongside included) divided by the enters.`,
    "",
    "| processes | guests/s | CPU µs per guest | enters/s | CPU µs per enter | machine idle during arrivals | quota periods throttled during arrivals | arrivals per group commit |",
    "|---:|---:|---:|---:|---:|---:|---:|---:|",
    ...rows.map(
      (row, i) =>
        `| ${row.processes} | ${rate(row.guest, first?.guest, i)} | ${micros(row.guest)} | ${rate(row.enter, first?.enter, i)} | ${micros(row.enter)} | ${percent(row.enter.machineIdle)} | ${row.enter.throttled === undefined ? "–" : percent(row.enter.throttled)} | ${(row.batches.arrivals / row.batches.commits).toFixed(1)} |`,
    ),
  ].join("\n");
}
