import { BlockList, isIP } from "node:net";

/** Parses `10.0.0.0/8`, `2001:db8::/32` or a bare address; null when malformed. */
export function parseCidr(value: string): { address: string; prefix: number; family: "ipv4" | "ipv6" } | null {
  const [address = "", bits, extra] = value.trim().split("/");
  const version = isIP(address);
  if (version === 0 || extra !== undefined) return null;
  const max = version === 4 ? 32 : 128;
  if (bits !== undefined && !/^\d{1,3}$/.test(bits)) return null;
  const prefix = bits === undefined ? max : Number(bits);
  if (prefix > max) return null;
  return { address, prefix, family: version === 4 ? "ipv4" : "ipv6" };
}

/** An allowlist of CIDR ranges, built once (when a key is cached) and checked per request. */
export class IpAllowlist {
  private readonly list = new BlockList();
  readonly empty: boolean;

  constructor(ranges: readonly string[]) {
    for (const range of ranges) {
      const parsed = parseCidr(range);
      if (parsed) this.list.addSubnet(parsed.address, parsed.prefix, parsed.family);
    }
    this.empty = ranges.length === 0;
  }

  /** An empty list allows everyone. IPv4-mapped IPv6 (`::ffff:1.2.3.4`) is checked as IPv4. */
  allows(ip: string): boolean {
    if (this.empty) return true;
    const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(ip);
    const address = mapped?.[1] ?? ip;
    const version = isIP(address);
    if (version === 0) return false;
    return this.list.check(address, version === 4 ? "ipv4" : "ipv6");
  }
}

/** The eight 16-bit groups of a valid IPv6 address (`::` expanded, a dotted IPv4 tail converted). */
function ipv6Groups(address: string): number[] {
  let text = address;
  const tail = /(\d+)\.(\d+)\.(\d+)\.(\d+)$/.exec(text);
  if (tail) {
    const [a, b, c, d] = tail.slice(1).map(Number) as [number, number, number, number];
    text = `${text.slice(0, tail.index)}${((a << 8) | b).toString(16)}:${((c << 8) | d).toString(16)}`;
  }
  const [head = "", rest] = text.split("::");
  const parse = (part: string) => (part === "" ? [] : part.split(":").map((group) => Number.parseInt(group, 16)));
  const left = parse(head);
  const right = rest === undefined ? [] : parse(rest);
  return [...left, ...Array<number>(8 - left.length - right.length).fill(0), ...right];
}

/**
 * Who a per-IP rate limit counts: an IPv4 address as it is (an IPv4-mapped IPv6 address counts
 * as its IPv4), and an IPv6 address by its first `ipv6Prefix` bits — one subscriber is routinely
 * handed a whole /64, so counting each address would give them 2^64 budgets.
 */
export function rateLimitNetwork(ip: string, ipv6Prefix: number): string {
  if (!ip.includes(":")) return ip;
  const zone = ip.indexOf("%");
  const address = zone === -1 ? ip : ip.slice(0, zone);
  if (isIP(address) !== 6) return address;
  const all = ipv6Groups(address);
  if (all.slice(0, 5).every((group) => group === 0) && all[5] === 0xffff) {
    const [high = 0, low = 0] = all.slice(6);
    return `${high >> 8}.${high & 0xff}.${low >> 8}.${low & 0xff}`;
  }
  const groups = all.map((group, index) => {
    const kept = Math.min(16, Math.max(0, ipv6Prefix - index * 16));
    return kept === 0 ? 0 : group & ((0xffff << (16 - kept)) & 0xffff);
  });
  return `${groups.map((group) => group.toString(16)).join(":")}/${ipv6Prefix}`;
}
