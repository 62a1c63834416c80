import { describe, expect, it } from "vitest";
import { LruCache } from "./lru.js";

const keysOf = (cache: LruCache<string, number>, candidates: string[]) =>
  candidates.filter((key) => cache.get(key) !== undefined);

describe("LruCache", () => {
  it("evicts the least recently used entry once full", () => {
    const cache = new LruCache<string, number>(3);
    cache.set("a", 1);
    cache.set("b", 2);
    cache.set("c", 3);
    expect(cache.get("a")).toBe(1); // a is now the most recent
    cache.set("d", 4); // evicts b, the least recently used
    expect(keysOf(cache, ["a", "b", "c", "d"])).toEqual(["a", "c", "d"]);
    expect(cache.size).toBe(3);
  });

  it("replaces a value without growing, and forgets deleted and cleared entries", () => {
    const cache = new LruCache<string, number>(2);
    cache.set("a", 1);
    cache.set("a", 2);
    expect(cache.get("a")).toBe(2);
    expect(cache.size).toBe(1);
    cache.delete("a");
    expect(cache.get("a")).toBeUndefined();
    cache.set("b", 1);
    cache.clear();
    expect(cache.size).toBe(0);
  });

  it("keeps an entry read while the cache fills up ahead of entries never read again", () => {
    const cache = new LruCache<string, number>(4);
    cache.set("hot", 0);
    for (const [i, key] of ["w", "x", "y"].entries()) {
      cache.set(key, i);
      cache.get("hot");
    }
    cache.set("z", 9); // over capacity: the oldest unread entry goes, not the hot one
    expect(keysOf(cache, ["hot", "w", "x", "y", "z"])).toEqual(["hot", "x", "y", "z"]);
  });
});
