/** All time comes through a clock so expiry logic can be tested without sleeping. */
export interface Clock {
  /** Milliseconds since the Unix epoch. */
  now(): number;
}

export const systemClock: Clock = { now: () => Date.now() };

/** ISO-8601 UTC with milliseconds: the one timestamp format stored and returned. */
export function isoAt(ms: number): string {
  return new Date(ms).toISOString();
}

export function isoNow(clock: Clock): string {
  return isoAt(clock.now());
}
