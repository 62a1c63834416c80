import type { Clock } from "../src/lib/clock.js";

/** A real clock whose time only moves when a test moves it: expiry is tested without sleeping. */
export class ManualClock implements Clock {
  constructor(private current: number = Date.parse("2026-01-15T12:00:00.000Z")) {}

  now(): number {
    return this.current;
  }

  advance(ms: number): void {
    this.current += ms;
  }

  set(ms: number): void {
    this.current = ms;
  }
}
