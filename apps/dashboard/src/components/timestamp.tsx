import { formatDateTime, formatRelative } from "./format";

interface TimestampProps {
  iso: string | null | undefined;
  /** Shown when there is no time, e.g. "Never". */
  fallback?: string;
  relative?: boolean;
}

/** A time, relative or absolute, with the exact time on hover and for assistive technology. */
export function Timestamp({ iso, fallback = "—", relative = true }: TimestampProps) {
  if (!iso) return <span className="muted">{fallback}</span>;
  const exact = formatDateTime(iso);
  return (
    <time dateTime={iso} title={exact}>
      {relative ? formatRelative(iso) : exact}
    </time>
  );
}
