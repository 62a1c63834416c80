import { describe, expect, it } from "vitest";
import { ManualClock } from "../../test/clock.js";
import { RowCache } from "./row-cache.js";

/** A stand-in for a table: counts reads, and can hold a read open until released. */
function source(initial: string | undefined) {
  let value = initial;
  let reads = 0;
  let gate: Promise<void> = Promise.resolve();
  let open = () => {};
  return {
    load: async () => {
      reads++;
      const seen = value;
      await gate;
      return seen;
    },
    set: (next: string | undefined) => {
      value = next;
    },
    hold: () => {
      gate = new Promise((resolve) => {
        open = resolve;
      });
    },
    release: () => open(),
    reads: () => reads,
  };
}

describe("row cache", () => {
  it("reads a row once, then serves it until a change drops it", async () => {
    const rows = new RowCache<string>(new ManualClock());
    const table = source("v1");
    expect(await rows.get("a", table.load)).toBe("v1");
    table.set("v2");
    expect(await rows.get("a", table.load)).toBe("v1");
    expect(table.reads()).toBe(1);
    rows.drop("a");
    expect(await rows.get("a", table.load)).toBe("v2");
    table.set("v3");
    rows.clear();
    expect(await rows.get("a", table.load)).toBe("v3");
  });

  it("reads again after the TTL even without an event, and never keeps a missing row", async () => {
    const clock = new ManualClock();
    const rows = new RowCache<string>(clock, 1000);
    const table = source(undefined);
    expect(await rows.get("a", table.load)).toBeUndefined();
    table.set("v1");
    expect(await rows.get("a", table.load)).toBe("v1");
    table.set("v2");
    clock.advance(999);
    expect(await rows.get("a", table.load)).toBe("v1");
    clock.advance(1);
    expect(await rows.get("a", table.load)).toBe("v2");
  });

  it("serves simultaneous misses with one read", async () => {
    const rows = new RowCache<string>(new ManualClock());
    const table = source("v1");
    table.hold();
    const answers = Promise.all(Array.from({ length: 20 }, () => rows.get("a", table.load)));
    table.release();
    expect(await answers).toEqual(Array(20).fill("v1"));
    expect(table.reads()).toBe(1);
  });

  it("counts each lookup as a hit or a miss, a stale row and a missing one as misses", async () => {
    const clock = new ManualClock();
    const counted = { hits: 0, misses: 0 };
    const counters = { hits: { inc: () => counted.hits++ }, misses: { inc: () => counted.misses++ } };
    const rows = new RowCache<string>(clock, 1000, 10, counters);
    const table = source("v1");
    await rows.get("a", table.load);
    await rows.get("a", table.load);
    clock.advance(1000);
    await rows.get("a", table.load);
    await rows.get("b", source(undefined).load);
    expect(counted).toEqual({ hits: 1, misses: 3 });
  });

  it("does not keep a read that a change overtook, nor let later requests join it", async () => {
    const rows = new RowCache<string>(new ManualClock());
    const table = source("old");
    table.hold();
    const overtaken = rows.get("a", table.load);
    table.set("new");
    rows.drop("a");
    const after = rows.get("a", table.load);
    table.release();
    expect(await overtaken).toBe("old");
    expect(await after).toBe("new");
    expect(await rows.get("a", table.load)).toBe("new");
    expect(table.reads()).toBe(2);
  });
});
