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
