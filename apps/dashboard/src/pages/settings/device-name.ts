type Rule = [name: string, pattern: RegExp];

// Order matters: Edge says "Chrome" and Chrome says "Safari" in their user agents.
const BROWSERS: Rule[] = [
  ["Edge", /Edg\//],
  ["Firefox", /Firefox\//],
  ["Chrome", /Chrome\//],
  ["Safari", /Safari\//],
];
const SYSTEMS: Rule[] = [
  ["iOS", /iPhone|iPad/],
  ["Android", /Android/],
  ["macOS", /Mac OS X/],
  ["Windows", /Windows/],
  ["Linux", /Linux/],
];

const match = (rules: Rule[], userAgent: string) => rules.find(([, pattern]) => pattern.test(userAgent))?.[0];

/** A short name for a browser from its user agent: "Firefox on macOS". */
export function deviceName(userAgent: string | null): string {
  if (!userAgent) return "Unknown device";
  const browser = match(BROWSERS, userAgent);
  const system = match(SYSTEMS, userAgent);
  if (browser && system) return `${browser} on ${system}`;
  return browser ?? system ?? userAgent.slice(0, 60);
}
