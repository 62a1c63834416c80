import { describe, expect, it } from "vitest";
import { dealToOthers } from "../../../bench/token-dealer.js";

/** Shoppers named by their issuer: `issued(3, 2)` is [["0.0", "0.1"], ["1.0", "1.1"], ["2.0", "2.1"]]. */
const issued = (processes: number, each: number) =>
  Array.from({ length: processes }, (_, p) => Array.from({ length: each }, (_, i) => `${p}.${i}`));
const issuerOf = (shopper: string) => Number(shopper.split(".")[0]);

describe("dealing shoppers to server processes (npm run surge)", () => {
  it.each([2, 3, 5])("with %i processes never sends a shopper to the process that issued its token", (processes) => {
    const dealt = dealToOthers(issued(processes, 60));
    dealt.forEach((shoppers, receiver) => {
      expect(shoppers.length).toBeGreaterThan(0);
      for (const shopper of shoppers) expect(issuerOf(shopper)).not.toBe(receiver);
    });
  });

  it("deals every shopper exactly once, evenly over the others", () => {
    const dealt = dealToOthers(issued(3, 60));
    expect(dealt.flat().sort()).toEqual(issued(3, 60).flat().sort());
    // Process 0 gets half of 1's shoppers and half of 2's, in order of issue.
    expect(dealt[0]?.filter((shopper) => issuerOf(shopper) === 1)).toHaveLength(30);
    expect(dealt[0]?.filter((shopper) => issuerOf(shopper) === 2)).toHaveLength(30);
    expect(dealt[1]?.slice(0, 2)).toEqual(["0.0", "2.1"]);
  });

  it("keeps uneven issuers' shoppers, and all of one process's with one process", () => {
    const uneven = [["0.0", "0.1", "0.2"], ["1.0"]];
    expect(dealToOthers(uneven)).toEqual([["1.0"], ["0.0", "0.1", "0.2"]]);
    expect(dealToOthers([["0.0", "0.1"]])).toEqual([["0.0", "0.1"]]);
  });
});
