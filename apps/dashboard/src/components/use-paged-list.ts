import { useState } from "react";
import { messageOf } from "../api/api-error";
import type { Page } from "../api/types";
import { type Resource, useResource } from "./use-resource";

/**
 * A cursor-paginated list: the first page loads like any resource, "Load more" appends the
 * next. Appended pages belong to the first page they followed, so a reload starts over.
 */
export function usePagedList<T>(fetchPage: (after: string | undefined) => Promise<Page<T>>, key = "") {
  const first = useResource(() => fetchPage(undefined), key);
  const [extra, setExtra] = useState<{ after: Page<T>; items: T[]; pageInfo: Page<T>["pageInfo"] }>();
  const [loadingMore, setLoadingMore] = useState(false);
  const [moreError, setMoreError] = useState<string>();

  const base = first.status === "ready" ? first.data : undefined;
  const appended = extra && extra.after === base ? extra : undefined;
  const pageInfo = appended?.pageInfo ?? base?.pageInfo;

  const loadMore = async () => {
    if (!base || !pageInfo?.endCursor) return;
    setLoadingMore(true);
    setMoreError(undefined);
    try {
      const page = await fetchPage(pageInfo.endCursor);
      setExtra({ after: base, items: [...(appended?.items ?? []), ...page.data], pageInfo: page.pageInfo });
    } catch (error) {
      setMoreError(messageOf(error));
    } finally {
      setLoadingMore(false);
    }
  };

  const resource: Resource<T[]> =
    first.status === "ready"
      ? { status: "ready", data: [...first.data.data, ...(appended?.items ?? [])], reload: first.reload }
      : first;
  return { resource, hasMore: pageInfo?.hasNextPage ?? false, loadMore, loadingMore, moreError };
}
