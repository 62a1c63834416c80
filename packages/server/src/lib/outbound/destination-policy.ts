import { lookup } from "node:dns/promises";
import { BlockList, isIP } from "node:net";
import { parseCidr } from "../ip.js";
import { type AddressKind, classifyAddress, embeddedIPv4 } from "./address-kinds.js";

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

const DESCRIPTIONS: Record<Exclude<AddressKind, "public">, string> = {
  metadata: "a cloud metadata address",
  unspecified: "an unspecified address",
  loopback: "a loopback address",
  private: "a private-network address",
  "link-local": "a link-local address",
  shared: "a carrier-grade NAT address",
  multicast: "a multicast address",
  reserved: "a reserved address",
};

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
 * Which hosts the server may send requests to. Loopback, private, link-local, carrier-grade NAT,
 * multicast, unspecified and reserved addresses are refused unless the operator allowlisted them
 * (FANFARE_OUTBOUND_ALLOW_CIDRS); metadata services always are. Checked when a URL is saved and
 * again on every connection, against the address actually connected to: a DNS answer can change.
 */
export class DestinationPolicy {
  private readonly allowed = new BlockList();

  constructor(allowCidrs: readonly string[]) {
    for (const range of allowCidrs) {
      const cidr = parseCidr(range);
      if (cidr) this.allowed.addSubnet(cidr.address, cidr.prefix, cidr.family);
    }
  }

  /** Why the address may not be reached, or undefined when it may. */
  refusalOf(address: string): Exclude<AddressKind, "public"> | undefined {
    const kind = classifyAddress(address);
    if (kind === "public") return undefined;
    if (kind === "metadata") return kind;
    const target = embeddedIPv4(address) ?? address.split("%")[0] ?? address;
    return this.allowed.check(target, isIP(target) === 6 ? "ipv6" : "ipv4") ? undefined : kind;
  }

  private refusalOfName(name: string): Exclude<AddressKind, "public"> | undefined {
    if (METADATA_NAMES.has(name)) return "metadata";
    if (LOCALHOST_NAME.test(name)) return this.refusalOf("127.0.0.1");
    return undefined;
  }

  /**
   * Why a URL may not be saved as a delivery target, as a phrase for a validation message; undefined
   * when it may. A name that does not resolve yet is accepted: the check at connect time still applies.
   */
  async problemWith(url: URL): Promise<string | undefined> {
    if (url.username || url.password) return "must not contain a user name or password";
    const host = hostOf(url);
    const direct = isIP(host) ? this.refusalOf(host) : this.refusalOfName(host);
    if (direct) return `must not point to ${DESCRIPTIONS[direct]} (${host})`;
    if (isIP(host)) return undefined;
    const addresses = await resolveAll(host, AbortSignal.timeout(CREATION_LOOKUP_MS)).catch(() => []);
    // The refused address itself is not named: it would reveal what internal names resolve to.
    const resolved = addresses.map((address) => this.refusalOf(address)).find((kind) => kind !== undefined);
    return resolved ? `must not resolve to ${DESCRIPTIONS[resolved]}` : undefined;
  }

  /**
   * The address to connect to for this URL, resolved now and checked; undefined when refused. A
   * name with any refused address is refused as a whole, so no answer order can reach one.
   * Rejects when the name does not resolve.
   */
  async addressFor(url: URL, signal: AbortSignal): Promise<string | undefined> {
    if (url.protocol !== "http:" && url.protocol !== "https:") return undefined;
    const host = hostOf(url);
    if (isIP(host)) return this.refusalOf(host) ? undefined : host;
    if (this.refusalOfName(host)) return undefined;
    const addresses = await resolveAll(host, signal);
    if (addresses.some((address) => this.refusalOf(address))) return undefined;
    return addresses[0];
  }
}
