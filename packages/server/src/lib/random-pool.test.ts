import { describe, expect, it } from "vitest";
import { pooledRandomBytes } from "./random-pool.js";

describe("pooledRandomBytes", () => {
  it("hands out distinct bytes of the asked size, across refills", () => {
    const seen = new Set<string>();
    for (let i = 0; i < 2_000; i++) {
      const bytes = pooledRandomBytes(32);
      expect(bytes).toHaveLength(32);
      seen.add(bytes.toString("hex"));
    }
    expect(seen.size).toBe(2_000);
  });

  it("returns a copy the caller owns: later draws do not change it", () => {
    const first = pooledRandomBytes(16);
    const snapshot = Buffer.from(first);
    for (let i = 0; i < 1_100; i++) pooledRandomBytes(16);
    expect(first.equals(snapshot)).toBe(true);
  });

  it("is not all zeros, and refuses sizes beyond the pool", () => {
    expect(pooledRandomBytes(64).some((byte) => byte !== 0)).toBe(true);
    expect(() => pooledRandomBytes(32 * 1024)).toThrow(RangeError);
  });
});
