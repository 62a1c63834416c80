const encoder = new TextEncoder();

function hex(bytes: ArrayBuffer): string {
  return [...new Uint8Array(bytes)].map((byte) => byte.toString(16).padStart(2, "0")).join("");
}

/** Compares without stopping at the first difference, so timing reveals nothing. */
function constantTimeEqual(a: string, b: string): boolean {
  if (a.length !== b.length) return false;
  let difference = 0;
  for (let i = 0; i < a.length; i++) difference |= a.charCodeAt(i) ^ b.charCodeAt(i);
  return difference === 0;
}

type HeaderSource = Headers | Record<string, string | string[] | undefined>;

function header(headers: HeaderSource, name: string): string | undefined {
  if (headers instanceof Headers) return headers.get(name) ?? undefined;
  const value = headers[name] ?? headers[name.toLowerCase()];
  return Array.isArray(value) ? value[0] : value;
}

/**
 * Checks a webhook delivery as Fanfare signs it: `X-Fanfare-Signature` is `sha256=` + hex
 * HMAC-SHA256 of `"<X-Fanfare-Timestamp>.<raw body>"` under the endpoint's `whsec_` secret. The
 * timestamp must be within `toleranceSeconds` of now, so a captured delivery cannot be replayed
 * later. Pass the raw body exactly as received (not re-serialised JSON).
 * @example
 * // Express: app.post("/fanfare", express.text({ type: "application/json" }), handler)
 * const genuine = await verifyWebhook(rawBody, request.headers, process.env.FANFARE_WEBHOOK_SECRET ?? "");
 * if (!genuine) return response.status(400).end();
 */
export async function verifyWebhook(
  rawBody: string,
  headers: HeaderSource,
  secret: string,
  options: { toleranceSeconds?: number; nowSeconds?: number } = {},
): Promise<boolean> {
  const timestamp = Number(header(headers, "x-fanfare-timestamp"));
  const signature = header(headers, "x-fanfare-signature");
  if (!Number.isInteger(timestamp) || !signature) return false;
  const now = options.nowSeconds ?? Math.floor(Date.now() / 1000);
  if (Math.abs(now - timestamp) > (options.toleranceSeconds ?? 300)) return false;
  const key = await crypto.subtle.importKey("raw", encoder.encode(secret), { name: "HMAC", hash: "SHA-256" }, false, [
    "sign",
  ]);
  const mac = await crypto.subtle.sign("HMAC", key, encoder.encode(`${timestamp}.${rawBody}`));
  return constantTimeEqual(`sha256=${hex(mac)}`, signature);
}
