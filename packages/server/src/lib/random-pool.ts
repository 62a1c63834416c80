import { randomFillSync } from "node:crypto";

const POOL_BYTES = 16 * 1024;
const pool = Buffer.allocUnsafeSlow(POOL_BYTES);
let offset = POOL_BYTES;

/**
 * CSPRNG bytes drawn from a pool refilled 16 KiB at a time (as Node does for `randomUUID`): here
 * one `randomBytes` call is a ~13 µs system call, paid per refresh token and per sealed IV on the
 * session hot path. Every byte is handed out once and the copy returned is the caller's own.
 */
export function pooledRandomBytes(size: number): Buffer {
  if (size > POOL_BYTES) throw new RangeError(`at most ${POOL_BYTES} bytes at a time`);
  if (offset + size > POOL_BYTES) {
    randomFillSync(pool);
    offset = 0;
  }
  const bytes = Buffer.from(pool.subarray(offset, offset + size));
  pool.fill(0, offset, offset + size);
  offset += size;
  return bytes;
}
