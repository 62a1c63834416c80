/** Header and field names whose values are secrets; pino censors them wherever they are logged. */
const SECRET_FIELDS = [
  "authorization",
  '"x-publishable-key"',
  "cookie",
  '"set-cookie"',
  "key",
  "apiKey",
  "api_key",
  "secret",
  "token",
  "accessToken",
  "refreshToken",
  "exchangeCode",
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

const SECRET_QUERY = /key|token|secret|code|password|signature/i;

/**
 * Secrets recognised by their shape, wherever they appear in a URL (a path segment, a query value
 * under any name): API keys, refresh tokens, exchange codes, webhook secrets and JWTs.
 */
const SECRET_VALUE =
  /(?:sk|pk)_(?:live|test)_[A-Za-z0-9]+|rt_[A-Za-z0-9_-]{16,}|exc_[A-Za-z0-9_-]{32,}|whsec_[A-Za-z0-9_-]+|eyJ[A-Za-z0-9_-]*\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]*/g;

/**
 * The URL for a log line: values shaped like secrets are censored wherever they are, and so are
 * query values whose names suggest one (e.g. `?api_key=`). Percent-encoding cannot hide a secret:
 * an encoded URL is decoded first.
 */
export function redactUrl(rawUrl: string): string {
  const url = (rawUrl.includes("%") ? decodeURIComponentSafe(rawUrl) : rawUrl).replace(SECRET_VALUE, REDACTED);
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
