/** Header and field names whose values are secrets; pino censors them wherever they are logged. */
const SECRET_FIELDS = [
  "authorization",
  '"x-publishable-key"',
  "cookie",
  '"set-cookie"',
  '"x-csrf-token"',
  "key",
  "apiKey",
  "api_key",
  "secret",
  "token",
  "accessToken",
  "refreshToken",
  "admissionToken",
  "csrfToken",
  "exchangeCode",
  "otpWebhookSecret",
  "code",
  "password",
];

export const REDACTED = "[redacted]";

export const logRedaction = {
  paths: [
    ...SECRET_FIELDS.flatMap((field) => {
      const access = field.startsWith('"') ? `[${field}]` : `.${field}`;
      return [`req.headers${access}`, `headers${access}`, `body${access}`, `*${access}`];
    }),
  ],
  censor: REDACTED,
};

const SECRET_QUERY = /key|token|secret|code|password|signature|csrf|session|cookie|invitation|otp/i;

/**
 * Secrets the server issues with a prefix, recognised by their shape wherever they appear in a
 * URL (a path segment, a query value under any name): API keys, refresh tokens, exchange codes,
 * invitation codes, webhook secrets, and JWTs (access and admission tokens).
 */
const PREFIXED_SECRET =
  /(?:sk|pk)_(?:live|test)_[A-Za-z0-9]+|rt_[A-Za-z0-9_-]{16,}|exc_[A-Za-z0-9_-]{32,}|inv_[A-Za-z0-9_-]{32,}|whsec_[A-Za-z0-9_-]+|eyJ[A-Za-z0-9_-]*\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]*/g;

const BASE64URL = new Uint8Array(128);
for (const char of "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_-")
  BASE64URL[char.charCodeAt(0)] = 1;
/** 32 bytes in base64url: an HMAC or random secret (a CSRF token, a dashboard session cookie's secret half). */
const UNPREFIXED_SECRET_LENGTH = 43;
const CODE_LENGTH = 6;
const isDigit = (char: number) => char >= 48 && char <= 57;
// `/` or `=` before, and `/`, `?`, `&`, `#`, `;` or the end after: a whole path segment or query value.
const opensValue = (char: number) => char === 47 || char === 61;
const closesValue = (char: number) => Number.isNaN(char) || [47, 63, 38, 35, 59].includes(char);

/**
 * Censors the secrets without a prefix: any run of exactly 43 base64url characters, and six
 * digits standing as a whole path segment or query value (a sign-in code). One pass over the
 * characters: a regular expression for runs of an exact length costs several times as much.
 */
function censorUnprefixed(url: string): string {
  let censored = "";
  let copied = 0;
  let i = 0;
  while (i < url.length) {
    if (BASE64URL[url.charCodeAt(i)] !== 1) {
      i++;
      continue;
    }
    const start = i;
    let digits = true;
    for (; i < url.length && BASE64URL[url.charCodeAt(i)] === 1; i++) digits &&= isDigit(url.charCodeAt(i));
    const length = i - start;
    const code =
      length === CODE_LENGTH && digits && opensValue(url.charCodeAt(start - 1)) && closesValue(url.charCodeAt(i));
    if (length === UNPREFIXED_SECRET_LENGTH || code) {
      censored += `${url.slice(copied, start)}${REDACTED}`;
      copied = i;
    }
  }
  return copied === 0 ? url : censored + url.slice(copied);
}

/** Enough to undo a client's double encoding; more layers than this are left (and still shape-checked) as they are. */
const DECODE_ROUNDS = 3;

/**
 * The URL for a log line: values shaped like secrets are censored wherever they are, and so are
 * query values whose names suggest one (e.g. `?api_key=`). Percent-encoding cannot hide a secret:
 * an encoded URL is decoded first (repeatedly, for a value encoded twice).
 */
export function redactUrl(rawUrl: string): string {
  let decoded = rawUrl;
  for (let round = 0; round < DECODE_ROUNDS && decoded.includes("%"); round++) {
    const next = decodeURIComponentSafe(decoded);
    if (next === decoded) break;
    decoded = next;
  }
  const url = censorUnprefixed(decoded.replace(PREFIXED_SECRET, REDACTED));
  const queryStart = url.indexOf("?");
  if (queryStart === -1) return url;
  const params = url
    .slice(queryStart + 1)
    .split("&")
    .map((pair) => {
      const eq = pair.indexOf("=");
      const name = eq === -1 ? pair : pair.slice(0, eq);
      return eq !== -1 && SECRET_QUERY.test(name) ? `${name}=${REDACTED}` : pair;
    });
  return `${url.slice(0, queryStart)}?${params.join("&")}`;
}

/** Never throws: a malformed escape elsewhere in the URL must not keep an encoded secret readable. */
function decodeURIComponentSafe(value: string): string {
  try {
    return decodeURIComponent(value);
  } catch {
    return value.replace(/%[0-9A-Fa-f]{2}/g, (sequence) => String.fromCharCode(Number.parseInt(sequence.slice(1), 16)));
  }
}
