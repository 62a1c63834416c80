import { InlineError } from "./load-state";

interface LoadMoreProps {
  hasMore: boolean;
  loading: boolean;
  error: string | undefined;
  onLoadMore: () => void;
}

export function LoadMore({ hasMore, loading, error, onLoadMore }: LoadMoreProps) {
  if (!hasMore) return null;
  return (
    <div className="load-more">
      <InlineError message={error} />
      <button type="button" className="button" onClick={onLoadMore} disabled={loading}>
        {loading ? "Loading…" : "Load more"}
      </button>
    </div>
  );
}
