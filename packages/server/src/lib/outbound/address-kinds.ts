import { BlockList, isIP } from "node:net";

/** What an address is, for deciding whether the server may send a request to it. */
export type AddressKind =
  | "public"
  | "metadata"
  | "unspecified"
  | "loopback"
  | "private"
  | "link-local"
  | "shared"
  | "multicast"
  | "broadcast"
  | "anycast"
  | "reserved";

export type RefusedKind = Exclude<AddressKind, "public">;

/** Cloud instance-metadata and credential services: never reachable, whatever the allowlist says. */
const METADATA_ADDRESSES = [
  "169.254.169.254", // AWS, GCP, Azure, Oracle, DigitalOcean, OpenStack
  "169.254.170.2", // AWS ECS task credentials
  "169.254.170.23", // AWS EKS Pod Identity
  "fd00:ec2::254", // AWS over IPv6
  "fd00:ec2::23", // AWS EKS Pod Identity over IPv6
  "100.100.100.200", // Alibaba Cloud
  "168.63.129.16", // Azure WireServer
  "192.0.0.192", // Oracle Cloud
];

/**
 * One range of the IANA IPv4 and IPv6 Special-Purpose Address Registries (plus multicast,
 * site-local and the IPv6 space outside global unicast, from the address-space registries), and
 * what a request to it would be: refused as `kind`, or `carries-ipv4` when the registry marks it
 * globally reachable because it reaches the IPv4 address inside, which is then judged instead.
 */
export interface SpecialRange {
  readonly cidr: string;
  readonly name: string;
  readonly treatment: RefusedKind | "carries-ipv4";
}

/**
 * Every row is refused but the two that carry an IPv4 address. The anycast rows the registries
 * mark globally reachable (PCP, TURN, AMT, AS112, DNS-SD SRP, 6a44) are refused too: the nearest
 * instance answers, often a box inside the server's own network, and no merchant's receiver lives
 * there. The most specific row containing an address decides, so the order here is the registries'.
 */
export const SPECIAL_RANGES: readonly SpecialRange[] = [
  { cidr: "0.0.0.0/8", name: '"This network"', treatment: "unspecified" },
  { cidr: "0.0.0.0/32", name: '"This host on this network"', treatment: "unspecified" },
  { cidr: "10.0.0.0/8", name: "Private-Use", treatment: "private" },
  { cidr: "100.64.0.0/10", name: "Shared Address Space", treatment: "shared" },
  { cidr: "127.0.0.0/8", name: "Loopback", treatment: "loopback" },
  { cidr: "169.254.0.0/16", name: "Link Local", treatment: "link-local" },
  { cidr: "172.16.0.0/12", name: "Private-Use", treatment: "private" },
  { cidr: "192.0.0.0/24", name: "IETF Protocol Assignments", treatment: "reserved" },
  { cidr: "192.0.0.0/29", name: "IPv4 Service Continuity Prefix", treatment: "reserved" },
  { cidr: "192.0.0.8/32", name: "IPv4 dummy address", treatment: "reserved" },
  { cidr: "192.0.0.9/32", name: "Port Control Protocol Anycast", treatment: "anycast" },
  { cidr: "192.0.0.10/32", name: "Traversal Using Relays around NAT Anycast", treatment: "anycast" },
  { cidr: "192.0.0.170/32", name: "NAT64/DNS64 Discovery", treatment: "reserved" },
  { cidr: "192.0.0.171/32", name: "NAT64/DNS64 Discovery", treatment: "reserved" },
  { cidr: "192.0.2.0/24", name: "Documentation (TEST-NET-1)", treatment: "reserved" },
  { cidr: "192.31.196.0/24", name: "AS112-v4", treatment: "anycast" },
  { cidr: "192.52.193.0/24", name: "AMT", treatment: "anycast" },
  { cidr: "192.88.99.0/24", name: "Deprecated (6to4 Relay Anycast)", treatment: "reserved" },
  { cidr: "192.88.99.2/32", name: "6a44-relay anycast address", treatment: "anycast" },
  { cidr: "192.168.0.0/16", name: "Private-Use", treatment: "private" },
  { cidr: "192.175.48.0/24", name: "Direct Delegation AS112 Service", treatment: "anycast" },
  { cidr: "198.18.0.0/15", name: "Benchmarking", treatment: "reserved" },
  { cidr: "198.51.100.0/24", name: "Documentation (TEST-NET-2)", treatment: "reserved" },
  { cidr: "203.0.113.0/24", name: "Documentation (TEST-NET-3)", treatment: "reserved" },
  { cidr: "224.0.0.0/4", name: "Multicast (IPv4 Multicast Address Space Registry)", treatment: "multicast" },
  { cidr: "240.0.0.0/4", name: "Reserved", treatment: "reserved" },
  { cidr: "255.255.255.255/32", name: "Limited Broadcast", treatment: "broadcast" },

  { cidr: "::1/128", name: "Loopback Address", treatment: "loopback" },
  { cidr: "::/128", name: "Unspecified Address", treatment: "unspecified" },
  { cidr: "::ffff:0:0/96", name: "IPv4-mapped Address", treatment: "reserved" },
  { cidr: "64:ff9b::/96", name: "IPv4-IPv6 Translat.", treatment: "carries-ipv4" },
  { cidr: "64:ff9b:1::/48", name: "IPv4-IPv6 Translat. (local use)", treatment: "private" },
  { cidr: "100::/64", name: "Discard-Only Address Block", treatment: "reserved" },
  { cidr: "100:0:0:1::/64", name: "Dummy IPv6 Prefix", treatment: "reserved" },
  { cidr: "2001::/23", name: "IETF Protocol Assignments", treatment: "reserved" },
  { cidr: "2001::/32", name: "TEREDO", treatment: "reserved" },
  { cidr: "2001:1::1/128", name: "Port Control Protocol Anycast", treatment: "anycast" },
  { cidr: "2001:1::2/128", name: "Traversal Using Relays around NAT Anycast", treatment: "anycast" },
  { cidr: "2001:1::3/128", name: "DNS-SD Service Registration Protocol Anycast", treatment: "anycast" },
  { cidr: "2001:2::/48", name: "Benchmarking", treatment: "reserved" },
  { cidr: "2001:3::/32", name: "AMT", treatment: "anycast" },
  { cidr: "2001:4:112::/48", name: "AS112-v6", treatment: "anycast" },
  { cidr: "2001:10::/28", name: "Deprecated (previously ORCHID)", treatment: "reserved" },
  { cidr: "2001:20::/28", name: "ORCHIDv2", treatment: "reserved" },
  { cidr: "2001:30::/28", name: "Drone Remote ID Protocol Entity Tags (DETs) Prefix", treatment: "reserved" },
  { cidr: "2001:db8::/32", name: "Documentation", treatment: "reserved" },
  { cidr: "2002::/16", name: "6to4", treatment: "carries-ipv4" },
  { cidr: "2620:4f:8000::/48", name: "Direct Delegation AS112 Service", treatment: "anycast" },
  { cidr: "3fff::/20", name: "Documentation", treatment: "reserved" },
  { cidr: "5f00::/16", name: "Segment Routing (SRv6) SIDs", treatment: "reserved" },
  { cidr: "fc00::/7", name: "Unique-Local", treatment: "private" },
  { cidr: "fe80::/10", name: "Link-Local Unicast", treatment: "link-local" },
  { cidr: "fec0::/10", name: "Site-local (deprecated, IPv6 Address Space Registry)", treatment: "private" },
  { cidr: "ff00::/8", name: "Multicast (IPv6 Address Space Registry)", treatment: "multicast" },
  // Only 2000::/3 is assigned as global unicast: the rest of the IPv6 space reaches nobody.
  { cidr: "::/3", name: "Reserved by IETF (outside 2000::/3)", treatment: "reserved" },
  { cidr: "4000::/2", name: "Reserved by IETF (outside 2000::/3)", treatment: "reserved" },
  { cidr: "8000::/1", name: "Reserved by IETF (outside 2000::/3)", treatment: "reserved" },
];

const familyOf = (address: string) => (isIP(address) === 6 ? "ipv6" : "ipv4");

const metadata = new BlockList();
for (const address of METADATA_ADDRESSES) metadata.addAddress(address, familyOf(address));

/**
 * Most specific first, so the first range containing an address is the one that decides. Each
 * family apart: a BlockList matches IPv4 addresses against IPv6 rules in their mapped form.
 */
const ranges = SPECIAL_RANGES.map((range) => {
  const [network = "", prefix = ""] = range.cidr.split("/");
  const family = familyOf(network);
  const list = new BlockList();
  list.addSubnet(network, Number(prefix), family);
  return { range, family, prefix: Number(prefix), list };
}).sort((a, b) => b.prefix - a.prefix);

/** The most specific special-purpose range holding a valid IP address, if any. */
export function specialRangeOf(address: string): SpecialRange | undefined {
  const target = address.split("%")[0] ?? address;
  const family = familyOf(target);
  return ranges.find((entry) => entry.family === family && entry.list.check(target, family))?.range;
}

/** The eight 16-bit groups of a valid IPv6 address (zone id dropped, dotted IPv4 tail allowed). */
function ipv6Groups(address: string): number[] {
  let text = address.split("%")[0] ?? "";
  const tail = /(\d+)\.(\d+)\.(\d+)\.(\d+)$/.exec(text);
  if (tail) {
    const [a, b, c, d] = tail.slice(1).map(Number) as [number, number, number, number];
    text = `${text.slice(0, tail.index)}${((a << 8) | b).toString(16)}:${((c << 8) | d).toString(16)}`;
  }
  const groups = (part: string | undefined) => (part ? part.split(":").map((group) => Number.parseInt(group, 16)) : []);
  const [head, rest] = text.split("::");
  const left = groups(head);
  const right = groups(rest);
  const gap = rest === undefined ? 0 : 8 - left.length - right.length;
  return [...left, ...new Array<number>(gap).fill(0), ...right];
}

const dotted = (high: number, low: number) => `${high >> 8}.${high & 0xff}.${low >> 8}.${low & 0xff}`;

/**
 * The IPv4 address an IPv6 one carries to the IPv4 network: IPv4-mapped (`::ffff:a.b.c.d`),
 * NAT64 (`64:ff9b::/96`) and 6to4 (`2002::/16`). Each reaches the embedded address, so each is
 * judged as that address first.
 */
export function embeddedIPv4(address: string): string | undefined {
  if (isIP(address) !== 6) return undefined;
  const groups = ipv6Groups(address);
  const at = (index: number) => groups[index] ?? 0;
  const zero = (from: number, to: number) => groups.slice(from, to).every((group) => group === 0);
  if (at(0) === 0x2002) return dotted(at(1), at(2));
  if (zero(0, 5) && at(5) === 0xffff) return dotted(at(6), at(7));
  if (at(0) === 0x64 && at(1) === 0xff9b && zero(2, 6)) return dotted(at(6), at(7));
  return undefined;
}

function kindOfRange(address: string): AddressKind {
  const treatment = specialRangeOf(address)?.treatment;
  return treatment === undefined || treatment === "carries-ipv4" ? "public" : treatment;
}

/**
 * Classifies a valid IP address (as returned by `new URL` or DNS). An address carrying an IPv4 one
 * takes that address's kind when it is refused (`::ffff:127.0.0.1` is loopback), else its own
 * range's: NAT64 and 6to4 to a public address are public, IPv4-mapped is never used to deliver.
 */
export function classifyAddress(address: string): AddressKind {
  const own = address.split("%")[0] ?? address;
  const embedded = embeddedIPv4(own);
  if (metadata.check(embedded ?? own, familyOf(embedded ?? own))) return "metadata";
  const inner = embedded === undefined ? "public" : kindOfRange(embedded);
  return inner === "public" ? kindOfRange(own) : inner;
}
