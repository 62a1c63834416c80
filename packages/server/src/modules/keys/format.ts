import { crc32 } from "node:zlib";
import type { KeyKind, Mode } from "../../db/schema.js";
import { hmacSha256, randomBase62, toBase62 } from "../../lib/secrets.js";

const RANDOM_LENGTH = 32; // 32 base62 characters ≈ 190 bits from the CSPRNG
const CHECKSUM_LENGTH = 6; // CRC32 in base62 (62^6 > 2^32)
const KIND_PREFIX: Record<KeyKind, string> = { publishable: "pk", secret: "sk" };
const KEY_PATTERN = /^(pk|sk)_(live|test)_([0-9A-Za-z]{32,64})$/;

export interface ParsedKey {
  readonly kind: KeyKind;
  readonly mode: Mode;
  readonly value: string;
}

function checksum(body: string): string {
  return toBase62(crc32(body), CHECKSUM_LENGTH);
}

/** `pk_live_…`, `sk_test_…`: prefix, random body, checksum; only [A-Za-z0-9_] so a double-click selects it. */
export function generateKey(kind: KeyKind, mode: Mode): string {
  const body = `${KIND_PREFIX[kind]}_${mode}_${randomBase62(RANDOM_LENGTH)}`;
  return body + checksum(body);
}

/**
 * Checks shape and checksum without any I/O, so typos and garbage are refused before a lookup.
 * Returns null for anything that is not a well-formed Fanfare key.
 */
export function parseKey(value: string): ParsedKey | null {
  const match = KEY_PATTERN.exec(value);
  if (!match) return null;
  const body = value.slice(0, -CHECKSUM_LENGTH);
  if (checksum(body) !== value.slice(-CHECKSUM_LENGTH)) return null;
  return { kind: match[1] === "pk" ? "publishable" : "secret", mode: match[2] as Mode, value };
}

/** Versioned so FANFARE_SECRET can be rotated later by adding `v2$`. */
export function keyDigest(digestKey: Buffer, key: string): string {
  return `v1$${hmacSha256(digestKey, key).toString("base64url")}`;
}

/** Safe to show: prefix + first 4 + last 4, e.g. `sk_live_AbCd…wXyZ`. */
export function keyHint(key: string): string {
  const prefixLength = "sk_live_".length;
  return `${key.slice(0, prefixLength + 4)}…${key.slice(-4)}`;
}
