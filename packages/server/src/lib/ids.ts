import { randomBytes } from "node:crypto";

/** Every public identifier's prefix, in one registry so two resources never share one. */
export const ID_PREFIXES = {
  organization: "org",
  apiKey: "key",
  experience: "exp",
  queue: "queue",
  consumer: "cons",
  guest: "guest",
  session: "sess",
  exchangeCode: "exc",
  webhook: "whk",
  alert: "alrt",
  member: "mbr",
  auditEvent: "aud",
  request: "req",
} as const;

export type IdKind = keyof typeof ID_PREFIXES;
export type IdPrefix = (typeof ID_PREFIXES)[IdKind];

const CROCKFORD = "0123456789ABCDEFGHJKMNPQRSTVWXYZ";

function encodeTime(ms: number): string {
  let out = "";
  let rest = ms;
  for (let i = 0; i < 10; i++) {
    out = CROCKFORD[rest % 32] + out;
    rest = Math.floor(rest / 32);
  }
  return out;
}

function encodeRandom(): string {
  const bytes = randomBytes(16);
  let out = "";
  for (let i = 0; i < 16; i++) out += CROCKFORD[(bytes[i] as number) & 31];
  return out;
}

/** A ULID: 48-bit millisecond time + 80 random bits, so ids sort by creation time. */
export function ulid(nowMs: number = Date.now()): string {
  return encodeTime(nowMs) + encodeRandom();
}

export function newId(kind: IdKind, nowMs?: number): string {
  return `${ID_PREFIXES[kind]}_${ulid(nowMs)}`;
}

const ULID_PATTERN = "[0-9A-HJKMNP-TV-Z]{26}";
const patterns = new Map<IdKind, RegExp>();

/** True when `value` is a well-formed id of that kind (cheap check before any lookup). */
export function isId(kind: IdKind, value: string): boolean {
  let pattern = patterns.get(kind);
  if (!pattern) {
    pattern = new RegExp(`^${ID_PREFIXES[kind]}_${ULID_PATTERN}$`);
    patterns.set(kind, pattern);
  }
  return pattern.test(value);
}
