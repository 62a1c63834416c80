import { createCipheriv, createDecipheriv } from "node:crypto";
import { pooledRandomBytes } from "./random-pool.js";

const IV_BYTES = 12;
const TAG_BYTES = 16;

/** AES-256-GCM: `base64url(iv ‖ tag ‖ ciphertext)`. Tampering makes `open` throw. */
export function seal(key: Buffer, plaintext: Buffer | string): string {
  const iv = pooledRandomBytes(IV_BYTES);
  const cipher = createCipheriv("aes-256-gcm", key, iv);
  const ciphertext = Buffer.concat([cipher.update(plaintext), cipher.final()]);
  return Buffer.concat([iv, cipher.getAuthTag(), ciphertext]).toString("base64url");
}

export function open(key: Buffer, sealed: string): Buffer {
  const data = Buffer.from(sealed, "base64url");
  const decipher = createDecipheriv("aes-256-gcm", key, data.subarray(0, IV_BYTES));
  decipher.setAuthTag(data.subarray(IV_BYTES, IV_BYTES + TAG_BYTES));
  return Buffer.concat([decipher.update(data.subarray(IV_BYTES + TAG_BYTES)), decipher.final()]);
}
