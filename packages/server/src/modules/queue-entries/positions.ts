/**
 * Positions in O(log n): a Fenwick (binary indexed) tree over arrival numbers counts the
 * places that stopped waiting. A waiting entry's position is its arrival number minus the
 * departures that arrived before it. The tree lives in `queue_departures`, one row per node, so
 * every server process reads and updates the same one inside the queue's transaction.
 */

/** Arrival numbers go up to 2^30 per queue; every update and query touches at most 30 nodes. */
export const FENWICK_DEPTH = 30;
export const MAX_SEQ = 2 ** FENWICK_DEPTH;

const lowestBit = (i: number) => i & -i;

/** The nodes whose sum is the number of departures with arrival number ≤ `seq`. */
export function prefixNodes(seq: number): number[] {
  const nodes: number[] = [];
  for (let i = seq; i > 0; i -= lowestBit(i)) nodes.push(i);
  return nodes;
}

/** Node → increment for departures at these arrival numbers, merged so each node appears once. */
export function departureIncrements(seqs: Iterable<number>): Map<number, number> {
  const increments = new Map<number, number>();
  for (const seq of seqs) {
    for (let i = seq; i <= MAX_SEQ; i += lowestBit(i)) increments.set(i, (increments.get(i) ?? 0) + 1);
  }
  return increments;
}

/** 1-based: the number of entries ahead still waiting, plus one. */
export function positionOf(seq: number, departedBefore: number): number {
  return seq - departedBefore;
}
