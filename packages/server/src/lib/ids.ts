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
  webhookEvent: "evt",
  webhookDelivery: "whd",
  alert: "alrt",
  member: "mbr",
  dashboardSession: "dsess",
  invitation: "inv",
  auditEvent: "aud",
  request: "req",
  signingKey: "sig",
  jwt: "jti",
  outboxMessage: "msg",
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

const RANDOM_DIGITS = 16;

let lastTime = -1;
let lastTimeText = "";
/**
 * The random part as Crockford characters, incremented in place: ids are minted on every request,
 * and one latin1 decode makes one string where appending character by character made sixteen.
 */
const digits = Buffer.alloc(RANDOM_DIGITS);
const CROCKFORD_CODES = Buffer.from(CROCKFORD, "latin1");
const VALUE_OF = new Map([...CROCKFORD_CODES].map((code, value) => [code, value]));

function randomizeDigits(): void {
  const bytes = randomBytes(RANDOM_DIGITS);
  for (let i = 0; i < RANDOM_DIGITS; i++) digits[i] = CROCKFORD_CODES[(bytes[i] as number) & 31] as number;
}

/** Adds one to the base-32 random part; it has 80 bits, so it does not overflow in practice. */
function incrementDigits(): void {
  for (let i = RANDOM_DIGITS - 1; i >= 0; i--) {
    const value = VALUE_OF.get(digits[i] as number) as number;
    if (value < 31) {
      digits[i] = CROCKFORD_CODES[value + 1] as number;
      return;
    }
    digits[i] = CROCKFORD_CODES[0] as number;
  }
}

/**
 * A monotonic ULID: 48-bit millisecond time + 80 random bits. Within one millisecond (or if
 * the clock steps back) the random part is incremented, so ids from this process always sort
 * in creation order — lists paginate by id.
 */
export function ulid(nowMs: number = Date.now()): string {
  if (nowMs <= lastTime) {
    incrementDigits();
  } else {
    lastTime = nowMs;
    lastTimeText = encodeTime(nowMs);
    randomizeDigits();
  }
  return lastTimeText + digits.toString("latin1");
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
