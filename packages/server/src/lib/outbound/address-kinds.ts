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
  | "reserved";

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

/** First match wins, so the narrow IPv6 ranges come before `::/96`. */
const RANGES: [Exclude<AddressKind, "public" | "metadata">, string, number][] = [
  ["unspecified", "0.0.0.0", 8],
  ["private", "10.0.0.0", 8],
  ["shared", "100.64.0.0", 10],
  ["loopback", "127.0.0.0", 8],
  ["link-local", "169.254.0.0", 16],
  ["private", "172.16.0.0", 12],
  ["reserved", "192.0.0.0", 24],
  ["reserved", "192.0.2.0", 24],
  ["private", "192.168.0.0", 16],
  ["reserved", "198.18.0.0", 15],
  ["reserved", "198.51.100.0", 24],
  ["reserved", "203.0.113.0", 24],
  ["multicast", "224.0.0.0", 4],
  ["reserved", "240.0.0.0", 4],
  ["unspecified", "::", 128],
  ["loopback", "::1", 128],
  ["reserved", "::", 96],
  ["reserved", "100::", 64],
  ["reserved", "2001::", 32],
  ["reserved", "2001:db8::", 32],
  ["private", "fc00::", 7],
  ["link-local", "fe80::", 10],
  ["multicast", "ff00::", 8],
];

const familyOf = (address: string) => (isIP(address) === 6 ? "ipv6" : "ipv4");

const metadata = new BlockList();
for (const address of METADATA_ADDRESSES) metadata.addAddress(address, familyOf(address));
const ranges = RANGES.map(([kind, network, prefix]) => {
  const list = new BlockList();
  list.addSubnet(network, prefix, familyOf(network));
  return { kind, list };
});

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
 * judged as that address.
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

/** Classifies a valid IP address (as returned by `new URL` or DNS). */
export function classifyAddress(address: string): AddressKind {
  const target = embeddedIPv4(address) ?? address.split("%")[0] ?? address;
  const family = familyOf(target);
  if (metadata.check(target, family)) return "metadata";
  return ranges.find(({ list }) => list.check(target, family))?.kind ?? "public";
}
