import { TEST_MODE_DEFAULT_ORIGINS } from "@fanfare/contract";
import type { Mode } from "../db/schema.js";

/** An organization's allowed origins, one list per mode (test's null: the default). */
export interface OriginSettings {
  readonly allowedOrigins: readonly string[];
  readonly testAllowedOrigins: readonly string[] | null;
}

/** The list a mode's browser requests are judged against. */
export function originsAllowedIn(settings: OriginSettings, mode: Mode): readonly string[] {
  if (mode === "live") return settings.allowedOrigins;
  return settings.testAllowedOrigins ?? TEST_MODE_DEFAULT_ORIGINS;
}

const ANY_PORT = ":*";

/**
 * Whether a browser `Origin` is on an organization's list (empty: any). Entries are full origins
 * (`https://shop.example.com`), hosts (`shop.example.com`) or wildcards (`*.example.com`,
 * `https://*.example.com`), where `*.` matches any subdomain but not the apex, and `:*` any port
 * (`http://localhost:*`).
 */
export function originAllowed(origin: string, allowed: readonly string[]): boolean {
  if (allowed.length === 0) return true;
  let url: URL;
  try {
    url = new URL(origin);
  } catch {
    return false;
  }
  const scheme = url.protocol.slice(0, -1);
  return allowed.some((entry) => {
    const rule = entry.toLowerCase();
    const schemeEnd = rule.indexOf("://");
    const ruleScheme = schemeEnd === -1 ? undefined : rule.slice(0, schemeEnd);
    let ruleHost = schemeEnd === -1 ? rule : rule.slice(schemeEnd + 3);
    if (ruleScheme !== undefined && ruleScheme !== scheme) return false;
    let host = url.host.toLowerCase();
    if (ruleHost.endsWith(ANY_PORT)) {
      ruleHost = ruleHost.slice(0, -ANY_PORT.length);
      host = url.hostname.toLowerCase();
    }
    if (ruleHost.startsWith("*.")) return host.endsWith(ruleHost.slice(1)) && host.length > ruleHost.length - 1;
    return host === ruleHost;
  });
}

/** Checks the shape of an allowed-origin entry before it is stored. */
export function isValidOriginRule(entry: string): boolean {
  return /^(https?:\/\/)?(\*\.)?[a-z0-9-]+(\.[a-z0-9-]+)*(:(\d{1,5}|\*))?$/i.test(entry);
}
