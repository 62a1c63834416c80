import { describe, expect, it } from "vitest";
import { departureIncrements, MAX_SEQ, positionOf, prefixNodes } from "./positions.js";

/** The tree as a map, to compare against counting. */
function applyDepartures(tree: Map<number, number>, seqs: number[]) {
  for (const [node, add] of departureIncrements(seqs)) tree.set(node, (tree.get(node) ?? 0) + add);
}
const prefix = (tree: Map<number, number>, seq: number) =>
  prefixNodes(seq).reduce((sum, node) => sum + (tree.get(node) ?? 0), 0);

describe("queue positions (Fenwick tree)", () => {
  it("agrees with counting the waiting entries ahead, through random departures", () => {
    const tree = new Map<number, number>();
    const waiting = new Set<number>();
    let last = 0;
    let seed = 7;
    const random = () => {
      seed = (seed * 1103515245 + 12345) % 2 ** 31;
      return seed / 2 ** 31;
    };
    for (let round = 0; round < 300; round++) {
      for (let n = Math.floor(random() * 8); n > 0; n--) waiting.add(++last);
      const leaving = [...waiting].filter(() => random() < 0.2);
      for (const seq of leaving) waiting.delete(seq);
      applyDepartures(tree, leaving);
      for (const seq of waiting) {
        const ahead = [...waiting].filter((other) => other < seq).length;
        expect(positionOf(seq, prefix(tree, seq - 1))).toBe(ahead + 1);
      }
    }
  });

  it("touches at most 30 nodes per query and per departure, even at the top of the range", () => {
    expect(prefixNodes(MAX_SEQ - 1).length).toBeLessThanOrEqual(30);
    expect(departureIncrements([1]).size).toBe(31);
    expect([...departureIncrements([1]).keys()].at(-1)).toBe(MAX_SEQ);
    expect(departureIncrements([3, 3]).get(4)).toBe(2);
  });
});
