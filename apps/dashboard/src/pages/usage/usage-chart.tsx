import { Bar, BarChart, CartesianGrid, Legend, ResponsiveContainer, Tooltip, XAxis, YAxis } from "recharts";
import type { UsagePoint } from "../../api/types";
import type { Interval } from "./usage-range";

const TICK: Record<Interval, Intl.DateTimeFormatOptions> = {
  minute: { hour: "2-digit", minute: "2-digit" },
  hour: { hour: "2-digit", minute: "2-digit" },
  day: { month: "short", day: "numeric" },
};

interface UsageChartProps {
  series: UsagePoint[];
  interval: Interval;
  /** Names the chart for assistive technology, e.g. "Requests over time for Storefront". */
  label: string;
}

/** Requests per interval, successes and errors stacked. */
export function UsageChart({ series, interval, label }: UsageChartProps) {
  const format = new Intl.DateTimeFormat(undefined, TICK[interval]);
  const data = series.map((point) => ({
    time: format.format(new Date(point.start)),
    Successes: point.successes,
    Errors: point.clientErrors + point.serverErrors + point.rateLimited,
  }));
  const total = series.reduce((sum, point) => sum + point.requests, 0);

  return (
    <figure className="chart" aria-label={label}>
      {total === 0 ? (
        <p className="state">No requests in this period.</p>
      ) : (
        <ResponsiveContainer width="100%" height={240}>
          <BarChart data={data} margin={{ top: 8, right: 8, bottom: 0, left: 0 }}>
            <CartesianGrid stroke="var(--border)" vertical={false} />
            <XAxis dataKey="time" tick={{ fontSize: 12 }} minTickGap={16} />
            <YAxis allowDecimals={false} tick={{ fontSize: 12 }} width={48} />
            <Tooltip />
            <Legend />
            {/* No grow-in animation: the numbers are the point, and motion can bother people. */}
            <Bar dataKey="Successes" stackId="requests" fill="var(--accent)" isAnimationActive={false} />
            <Bar dataKey="Errors" stackId="requests" fill="var(--danger)" isAnimationActive={false} />
          </BarChart>
        </ResponsiveContainer>
      )}
    </figure>
  );
}
