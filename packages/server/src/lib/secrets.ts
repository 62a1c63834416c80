import { createHmac, hkdfSync, randomInt, timingSafeEqual } from "node:crypto";

const BASE62 = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";

/** Uniformly random base62 text from the CSPRNG (randomInt rejects biased draws). */
export function randomBase62(length: number): string {
  let out = "";
  for (let i = 0; i < length; i++) out += BASE62[randomInt(62)];
  return out;
}

/** Fixed-width base62 encoding of a non-negative integer (left-padded with "0"). */
export function toBase62(value: number, width: number): string {
  let out = "";
  let rest = value;
  while (rest > 0) {
    out = BASE62[rest % 62] + out;
    rest = Math.floor(rest / 62);
  }
  return out.padStart(width, "0");
}

/** The purposes FANFARE_SECRET is split into; each gets an independent HKDF-derived key. */
export const KEY_PURPOSES = [
  "api-key-digest",
  "otp-digest",
  "token-digest",
  "signing-key-encryption",
  "refresh-successor-encryption",
  "webhook-secret-encryption",
  "dashboard-session-digest",
  "dashboard-csrf",
  "rate-limit-key",
] as const;
export type KeyPurpose = (typeof KEY_PURPOSES)[number];
export type DerivedKeys = Readonly<Record<KeyPurpose, Buffer>>;

export function deriveKeys(secret: string): DerivedKeys {
  const ikm = Buffer.from(secret, "utf8");
  const keys = {} as Record<KeyPurpose, Buffer>;
  for (const purpose of KEY_PURPOSES) {
    keys[purpose] = Buffer.from(hkdfSync("sha256", ikm, "fanfare/v1", purpose, 32));
  }
  return Object.freeze(keys);
}

export function hmacSha256(key: Buffer, data: string): Buffer {
  return createHmac("sha256", key).update(data).digest();
}

/** The digest stored for an opaque secret (refresh tokens, exchange codes): never the secret itself. */
export function secretDigest(key: Buffer, secret: string): string {
  return hmacSha256(key, secret).toString("base64url");
}

/** Constant-time comparison of two secrets' digests; unequal lengths are simply unequal. */
export function digestsEqual(a: Buffer | string, b: Buffer | string): boolean {
  const left = typeof a === "string" ? Buffer.from(a) : a;
  const right = typeof b === "string" ? Buffer.from(b) : b;
  return left.length === right.length && timingSafeEqual(left, right);
}
