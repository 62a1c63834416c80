import { lookup } from "node:dns/promises";
import { BlockList, isIP } from "node:net";
import type { Mode } from "../../db/schema.js";
import { parseCidr } from "../ip.js";
import { classifyAddress, embeddedIPv4, type RefusedKind } from "./address-kinds.js";

/** Names of cloud metadata services: refused by name, before any DNS answer can be trusted. */
const METADATA_NAMES = new Set([
  "metadata",
  "metadata.google.internal",
  "metadata.goog",
  "instance-data",
  "instance-data.ec2.internal",
]);
/** RFC 6761: `localhost` and every name under it mean this machine, whatever DNS says. */
const LOCALHOST_NAME = /(^|\.)localhost$/;
const CREATION_LOOKUP_MS = 3000;

const DESCRIPTIONS: Record<RefusedKind, string> = {
  metadata: "a cloud metadata address",
  unspecified: "an unspecified address",
  loopback: "a loopback address",
  private: "a private-network address",
  "link-local": "a link-local address",
  shared: "a carrier-grade NAT address",
  multicast: "a multicast address",
  broadcast: "a broadcast address",
  anycast: "an anycast service address",
  reserved: "a reserved address",
};

export interface PolicyOptions {
  /** Private ranges the operator allows (FANFARE_OUTBOUND_ALLOW_CIDRS); metadata stays refused. */
  allowCidrs: readonly string[];
  /** Test-mode deliveries may reach loopback (outside production), so webhooks can be tried locally. */
  testModeLoopback: boolean;
}

/** The URL's host as an address or a plain name: brackets and trailing dots gone. */
function hostOf(url: URL): string {
  return url.hostname.replace(/^\[(.*)\]$/, "$1").replace(/\.+$/, "");
}

function withDeadline<T>(work: Promise<T>, signal: AbortSignal): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    const abort = () => reject(signal.reason);
    if (signal.aborted) abort();
    signal.addEventListener("abort", abort, { once: true });
    work.then(resolve, reject).finally(() => signal.removeEventListener("abort", abort));
  });
}

async function resolveAll(name: string, signal: AbortSignal): Promise<string[]> {
  const answers = await withDeadline(lookup(name, { all: true, verbatim: true }), signal);
  return answers.map((answer) => answer.address);
}

/**
 * Which hosts the server may send requests to. Every special-purpose range (loopback, private,
 * link-local, carrier-grade NAT, multicast, unspecified, reserved…: `address-kinds.ts`) is refused
 * unless the operator allowlisted it (FANFARE_OUTBOUND_ALLOW_CIDRS), and loopback outside
 * production for test mode; metadata services always are. Checked when a URL is saved and again
 * on every connection, against the address actually connected to: a DNS answer can change.
 */
export class DestinationPolicy {
  // One list per family: a BlockList matches IPv4 addresses against IPv6 rules (`::ffff:0:0/96`…).
  private readonly allowed = { ipv4: new BlockList(), ipv6: new BlockList() };
  private readonly testModeLoopback: boolean;

  constructor(options: PolicyOptions) {
    for (const range of options.allowCidrs) {
      const cidr = parseCidr(range);
      if (cidr) this.allowed[cidr.family].addSubnet(cidr.address, cidr.prefix, cidr.family);
    }
    this.testModeLoopback = options.testModeLoopback;
  }

  /** Why the address may not be reached for `mode`, or undefined when it may. */
  refusalOf(address: string, mode: Mode = "live"): RefusedKind | undefined {
    const kind = classifyAddress(address);
    if (kind === "public") return undefined;
    if (kind === "metadata") return kind;
    if (kind === "loopback" && mode === "test" && this.testModeLoopback) return undefined;
    const own = address.split("%")[0] ?? address;
    const embedded = embeddedIPv4(own);
    const allowed = [own, ...(embedded ? [embedded] : [])].some((target) => {
      const family = isIP(target) === 6 ? "ipv6" : "ipv4";
      return this.allowed[family].check(target, family);
    });
    return allowed ? undefined : kind;
  }

  private refusalOfName(name: string, mode: Mode): RefusedKind | undefined {
    if (METADATA_NAMES.has(name)) return "metadata";
    if (LOCALHOST_NAME.test(name)) return this.refusalOf("127.0.0.1", mode);
    return undefined;
  }

  /** How the refusal can be lifted: by the operator's allowlist, and for loopback by test mode. */
  private remedyFor(kind: RefusedKind): string {
    if (kind === "metadata") return "";
    const allowlist = "; the server's operator can allow its range with FANFARE_OUTBOUND_ALLOW_CIDRS";
    const testMode = kind === "loopback" && this.testModeLoopback;
    return testMode ? `${allowlist}, and test-mode webhook endpoints may reach loopback outside production` : allowlist;
  }

  /**
   * Why a URL may not be saved as a delivery target for `mode`, as a phrase for a validation
   * message; undefined when it may. A name that does not resolve yet is accepted: the check at
   * connect time still applies.
   */
  async problemWith(url: URL, mode: Mode = "live"): Promise<string | undefined> {
    if (url.username || url.password) return "must not contain a user name or password";
    const host = hostOf(url);
    const direct = isIP(host) ? this.refusalOf(host, mode) : this.refusalOfName(host, mode);
    if (direct) return `must not point to ${DESCRIPTIONS[direct]} (${host})${this.remedyFor(direct)}`;
    if (isIP(host)) return undefined;
    const addresses = await resolveAll(host, AbortSignal.timeout(CREATION_LOOKUP_MS)).catch(() => []);
    // The refused address itself is not named: it would reveal what internal names resolve to.
    const resolved = addresses.map((address) => this.refusalOf(address, mode)).find((kind) => kind !== undefined);
    return resolved ? `must not resolve to ${DESCRIPTIONS[resolved]}${this.remedyFor(resolved)}` : undefined;
  }

  /**
   * The address to connect to for this URL and `mode`, resolved now and checked; undefined when
   * refused. A name with any refused address is refused as a whole, so no answer order can reach
   * one. Rejects when the name does not resolve.
   */
  async addressFor(url: URL, signal: AbortSignal, mode: Mode = "live"): Promise<string | undefined> {
    if (url.protocol !== "http:" && url.protocol !== "https:") return undefined;
    const host = hostOf(url);
    if (isIP(host)) return this.refusalOf(host, mode) ? undefined : host;
    if (this.refusalOfName(host, mode)) return undefined;
    const addresses = await resolveAll(host, signal);
    if (addresses.some((address) => this.refusalOf(address, mode))) return undefined;
    return addresses[0];
  }
}
