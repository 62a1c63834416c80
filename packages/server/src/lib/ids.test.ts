import { describe, expect, it } from "vitest";
import { isId, newId, ulid } from "./ids.js";

describe("ids", () => {
  it("are prefixed ULIDs that the registry recognises", () => {
    const id = newId("organization");
    expect(id).toMatch(/^org_[0-9A-HJKMNP-TV-Z]{26}$/);
    expect(isId("organization", id)).toBe(true);
    expect(isId("apiKey", id)).toBe(false);
    expect(isId("organization", `${id}x`)).toBe(false);
  });

  it("sort in creation order, even within one millisecond or when the clock steps back", () => {
    const at = Date.parse("2026-01-15T12:00:00Z");
    const ids = [ulid(at), ulid(at), ulid(at), ulid(at - 5), ulid(at + 1)];
    expect([...ids].sort()).toEqual(ids);
    expect(new Set(ids).size).toBe(ids.length);
  });

  it("count up through carries within one millisecond: each id is the one before plus one", () => {
    const at = Date.parse("2026-01-16T12:00:00Z");
    const ids = Array.from({ length: 2_000 }, () => ulid(at));
    expect(new Set(ids).size).toBe(ids.length);
    const crockford = "0123456789ABCDEFGHJKMNPQRSTVWXYZ";
    const randomPartOf = (id: string) => [...id.slice(10)].reduce((n, c) => n * 32n + BigInt(crockford.indexOf(c)), 0n);
    for (let i = 1; i < ids.length; i++) {
      expect((ids[i] as string).slice(0, 10)).toBe((ids[0] as string).slice(0, 10));
      expect(randomPartOf(ids[i] as string) - randomPartOf(ids[i - 1] as string)).toBe(1n);
    }
    for (const id of ids) expect(id).toMatch(/^[0-9A-HJKMNP-TV-Z]{26}$/);
  });

  it("encode the time in the first ten characters", () => {
    const early = ulid(Date.parse("2026-01-01T00:00:00Z"));
    const late = ulid(Date.parse("2030-01-01T00:00:00Z"));
    expect(early.slice(0, 10) < late.slice(0, 10)).toBe(true);
  });
});
