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

/** The URL for a log line: query values that may carry secrets (e.g. `?api_key=`) are censored. */
export function redactUrl(url: string): string {
  const queryStart = url.indexOf("?");
  if (queryStart === -1) return url;
  const params = url
    .slice(queryStart + 1)
    .split("&")
    .map((pair) => {
      const eq = pair.indexOf("=");
      const name = eq === -1 ? pair : pair.slice(0, eq);
      return eq !== -1 && SECRET_QUERY.test(decodeURIComponentSafe(name)) ? `${name}=${REDACTED}` : pair;
    });
  return `${url.slice(0, queryStart)}?${params.join("&")}`;
}

function decodeURIComponentSafe(value: string): string {
  try {
    return decodeURIComponent(value);
  } catch {
    return value;
  }
}
