import type { ItemOutcome } from "../../db/group-commit.js";
import type { ArrivalOutcome } from "./arrival-plan.js";
import type { Entry } from "./store.js";

/** What an arrival is answered once its batch committed. */
export interface ArrivalResult {
  entry: Entry;
  created: boolean;
  /** For a new place: the departures before it, as the write saw them (saves a read per arrival). */
  departedBefore?: number;
}

export function withDepartures(outcomes: ArrivalOutcome[], departedBefore: number): ItemOutcome<ArrivalResult>[] {
  return outcomes.map((outcome) =>
    outcome.ok && outcome.value.created ? { ok: true, value: { ...outcome.value, departedBefore } } : outcome,
  );
}
