import type { ReactNode } from "react";
import type { Resource } from "./use-resource";

interface LoadStateProps<T> {
  resource: Resource<T>;
  /** What is loading, e.g. "API keys". */
  what: string;
  isEmpty?: (data: T) => boolean;
  empty?: ReactNode;
  children: (data: T) => ReactNode;
}

/** The loading, error and empty states every page shares. */
export function LoadState<T>({ resource, what, isEmpty, empty, children }: LoadStateProps<T>) {
  if (resource.status === "loading") {
    return (
      <p className="state" role="status">
        Loading {what}…
      </p>
    );
  }
  if (resource.status === "error") return <ErrorState message={resource.error} onRetry={resource.reload} />;
  if (isEmpty?.(resource.data)) return <div className="state">{empty}</div>;
  return <>{children(resource.data)}</>;
}

export function ErrorState({ message, onRetry }: { message: string; onRetry: () => void }) {
  return (
    <div className="state state-error" role="alert">
      <p>{message}</p>
      <button type="button" className="button" onClick={onRetry}>
        Try again
      </button>
    </div>
  );
}

/** An inline error next to the action that caused it. */
export function InlineError({ message }: { message: string | undefined }) {
  if (!message) return null;
  return (
    <p className="inline-error" role="alert">
      {message}
    </p>
  );
}
