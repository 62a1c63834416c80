export const RANGES = [
  { value: "hour", label: "Last hour", interval: "minute", milliseconds: 3_600_000 },
  { value: "day", label: "Last 24 hours", interval: "hour", milliseconds: 86_400_000 },
  { value: "week", label: "Last 7 days", interval: "day", milliseconds: 604_800_000 },
] as const;

export type UsageRange = (typeof RANGES)[number];
export type Interval = UsageRange["interval"];

/** The `GET /usage` query for a range ending now. */
export function usageQuery(range: UsageRange, now: Date) {
  return {
    from: new Date(now.getTime() - range.milliseconds).toISOString(),
    to: now.toISOString(),
    interval: range.interval,
  };
}
