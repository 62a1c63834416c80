import { useId } from "react";
import type { KeyUsageReport } from "../../api/types";
import { formatNumber } from "../../components/format";

/** How much of the plan's per-minute limit the key has used in the current minute. */
export function RateLimitMeter({ rateLimit }: { rateLimit: KeyUsageReport["rateLimit"] }) {
  const labelId = useId();
  const { usedThisMinute, limitPerMinute } = rateLimit;
  const high = limitPerMinute > 0 && usedThisMinute / limitPerMinute >= 0.8;
  return (
    <div className="meter">
      <p id={labelId}>
        Rate limit: {formatNumber(usedThisMinute)} of {formatNumber(limitPerMinute)} requests this minute
      </p>
      <progress
        className={high ? "meter-high" : undefined}
        aria-labelledby={labelId}
        value={Math.min(usedThisMinute, limitPerMinute)}
        max={Math.max(limitPerMinute, 1)}
      />
    </div>
  );
}
