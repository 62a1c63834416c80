/**
 * Whether a browser `Origin` is on an organization's list. Entries are full origins
 * (`https://shop.example.com`), hosts (`shop.example.com`) or wildcards (`*.example.com`,
 * `https://*.example.com`), where `*.` matches any subdomain but not the apex.
 */
export function originAllowed(origin: string, allowed: readonly string[]): boolean {
  if (allowed.length === 0) return true;
  let url: URL;
  try {
    url = new URL(origin);
  } catch {
    return false;
  }
  const host = url.host.toLowerCase();
  const scheme = url.protocol.slice(0, -1);
  return allowed.some((entry) => {
    const rule = entry.toLowerCase();
    const schemeEnd = rule.indexOf("://");
    const ruleScheme = schemeEnd === -1 ? undefined : rule.slice(0, schemeEnd);
    const ruleHost = schemeEnd === -1 ? rule : rule.slice(schemeEnd + 3);
    if (ruleScheme !== undefined && ruleScheme !== scheme) return false;
    if (ruleHost.startsWith("*.")) return host.endsWith(ruleHost.slice(1)) && host.length > ruleHost.length - 1;
    return host === ruleHost;
  });
}

/** Checks the shape of an allowed-origin entry before it is stored. */
export function isValidOriginRule(entry: string): boolean {
  return /^(https?:\/\/)?(\*\.)?[a-z0-9-]+(\.[a-z0-9-]+)*(:\d{1,5})?$/i.test(entry);
}
