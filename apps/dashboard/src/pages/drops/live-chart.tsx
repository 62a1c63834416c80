import { CartesianGrid, Legend, Line, LineChart, ResponsiveContainer, Tooltip, XAxis, YAxis } from "recharts";
import type { QueueLiveView } from "../../api/types";

const TIME = new Intl.DateTimeFormat(undefined, { hour: "2-digit", minute: "2-digit", second: "2-digit" });

/** Arrivals and admissions per 10 seconds: the drop's pace at a glance. */
export function LiveChart({ series }: { series: QueueLiveView["series"] }) {
  const data = series.map((point) => ({
    time: TIME.format(new Date(point.start)),
    Arrivals: point.arrivals,
    Admissions: point.admissions,
  }));
  return (
    <figure className="chart" aria-label="Arrivals and admissions per 10 seconds over the last 5 minutes">
      <ResponsiveContainer width="100%" height={220}>
        <LineChart data={data} margin={{ top: 8, right: 8, bottom: 0, left: 0 }}>
          <CartesianGrid stroke="var(--border)" vertical={false} />
          <XAxis dataKey="time" tick={{ fontSize: 12 }} minTickGap={24} />
          <YAxis allowDecimals={false} tick={{ fontSize: 12 }} width={48} />
          <Tooltip />
          <Legend />
          {/* No animation: a chart that redraws every second should not move by itself. */}
          <Line dataKey="Arrivals" stroke="var(--accent)" dot={false} isAnimationActive={false} />
          <Line dataKey="Admissions" stroke="var(--success)" dot={false} isAnimationActive={false} />
        </LineChart>
      </ResponsiveContainer>
    </figure>
  );
}
