import { createHmac } from "node:crypto";
import { digestsEqual } from "./secrets.js";

/** Fanfare's documented scheme: `sha256=` + hex HMAC-SHA256 of `"<timestamp>.<raw body>"`. */
export function signWebhook(secret: string, timestampSeconds: number, body: string): string {
  return `sha256=${createHmac("sha256", secret).update(`${timestampSeconds}.${body}`).digest("hex")}`;
}

/** Constant-time check, with a replay window on the timestamp (default 300 s). */
export function verifyWebhook(
  secret: string,
  headers: { timestamp: string; signature: string },
  body: string,
  nowSeconds: number,
  toleranceSeconds = 300,
): boolean {
  const timestamp = Number(headers.timestamp);
  if (!Number.isInteger(timestamp) || Math.abs(nowSeconds - timestamp) > toleranceSeconds) return false;
  return digestsEqual(signWebhook(secret, timestamp, body), headers.signature);
}
