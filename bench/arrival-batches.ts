/**
 * How the servers wrote the arrivals: group commits and arrivals in them, summed over every
 * process's `fanfare_queue_arrival_batch_size` histogram (its admin port's /metrics). Fewer
 * arrivals a commit means more statements, and more CPU, per arrival.
 */
import type { Fanfare } from "./harness.js";

export interface ArrivalBatches {
  commits: number;
  arrivals: number;
}

const sampleOf = (metrics: string, name: string) =>
  Number(new RegExp(`^${name} (\\S+)$`, "m").exec(metrics)?.[1] ?? Number.NaN);

/** The totals so far; take two and subtract for a phase. */
export async function arrivalBatches(fanfare: Fanfare): Promise<ArrivalBatches> {
  const totals = { commits: 0, arrivals: 0 };
  for (const url of fanfare.adminUrls) {
    const metrics = await (await fetch(`${url}/metrics`)).text();
    totals.commits += sampleOf(metrics, "fanfare_queue_arrival_batch_size_count");
    totals.arrivals += sampleOf(metrics, "fanfare_queue_arrival_batch_size_sum");
  }
  return totals;
}
