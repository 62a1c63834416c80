import { describe, expect, it } from "vitest";
import { deriveKeys } from "../../lib/secrets.js";
import { generateKey, keyDigest, keyHint, parseKey } from "./format.js";

describe("API key format", () => {
  it.each([
    ["publishable", "live", "pk_live_"],
    ["publishable", "test", "pk_test_"],
    ["secret", "live", "sk_live_"],
    ["secret", "test", "sk_test_"],
  ] as const)("generates %s/%s keys that parse back", (kind, mode, prefix) => {
    const key = generateKey(kind, mode);
    expect(key.startsWith(prefix)).toBe(true);
    expect(key).toMatch(/^[A-Za-z0-9_]+$/);
    expect(key.length).toBe(prefix.length + 32 + 6);
    expect(parseKey(key)).toEqual({ kind, mode, value: key });
  });

  it("never generates the same key twice", () => {
    const keys = new Set(Array.from({ length: 1000 }, () => generateKey("secret", "live")));
    expect(keys.size).toBe(1000);
  });

  it("rejects a key whose checksum does not match (a typo) before any lookup", () => {
    const key = generateKey("secret", "live");
    const position = 12;
    const typo = key.slice(0, position) + (key[position] === "a" ? "b" : "a") + key.slice(position + 1);
    expect(parseKey(typo)).toBeNull();
    const badChecksum = key.slice(0, -1) + (key.endsWith("0") ? "1" : "0");
    expect(parseKey(badChecksum)).toBeNull();
  });

  it.each([
    "",
    "sk_live_",
    "xk_live_abcdefghijklmnopqrstuvwxyz0123456789",
    "sk_prod_abcdefghijklmnopqrstuvwxyz0123456789",
    "sk_live_abc-defghijklmnopqrstuvwxyz0123456789",
    `sk_live_${"a".repeat(200)}`,
  ])("rejects malformed %j", (value) => {
    expect(parseKey(value)).toBeNull();
  });

  it("rejects a key moved to another mode or kind (the checksum covers the prefix)", () => {
    const key = generateKey("secret", "test");
    expect(parseKey(key.replace("sk_test_", "sk_live_"))).toBeNull();
    expect(parseKey(key.replace("sk_test_", "pk_test_"))).toBeNull();
  });

  it("stores a versioned keyed digest, not the key", () => {
    const key = generateKey("secret", "live");
    const digestKey = deriveKeys("x".repeat(32))["api-key-digest"];
    const digest = keyDigest(digestKey, key);
    expect(digest).toMatch(/^v1\$[A-Za-z0-9_-]{43}$/);
    expect(digest).not.toContain(key.slice(8));
    expect(keyDigest(deriveKeys("y".repeat(32))["api-key-digest"], key)).not.toBe(digest);
  });

  it("shows only prefix, first four and last four characters in the hint", () => {
    const key = generateKey("secret", "live");
    expect(keyHint(key)).toBe(`${key.slice(0, 12)}…${key.slice(-4)}`);
  });
});
