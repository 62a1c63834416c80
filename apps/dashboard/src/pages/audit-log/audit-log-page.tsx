import { useState } from "react";
import { api } from "../../api/client";
import type { AuditEntry, Page } from "../../api/types";
import { LoadMore } from "../../components/load-more";
import { LoadState } from "../../components/load-state";
import { Timestamp } from "../../components/timestamp";
import { usePagedList } from "../../components/use-paged-list";
import { type AuditFilter, AuditFilters, NO_FILTER } from "./audit-filters";

const party = (type: string, id: string | null) => (
  <>
    {type} {id && <span className="mono small">{id}</span>}
  </>
);

export function AuditLogPage() {
  const [filter, setFilter] = useState<AuditFilter>(NO_FILTER);
  const entries = usePagedList(
    (after) => api.get<Page<AuditEntry>>("/audit-log", { first: 50, after, ...filter }),
    JSON.stringify(filter),
  );
  const filtered = filter.action !== "" || filter.actorId !== "" || filter.targetId !== "";

  return (
    <>
      <div className="page-header">
        <h1>Audit log</h1>
      </div>
      <p className="lead">Who changed what, newest first.</p>
      <AuditFilters onApply={setFilter} />
      <LoadState
        resource={entries.resource}
        what="the audit log"
        isEmpty={(data) => data.length === 0}
        empty={<p>{filtered ? "No entries match these filters." : "Nothing has been recorded yet."}</p>}
      >
        {(data) => (
          <div className="table-scroll">
            <table className="table">
              <thead>
                <tr>
                  <th scope="col">When</th>
                  <th scope="col">Action</th>
                  <th scope="col">Actor</th>
                  <th scope="col">Target</th>
                  <th scope="col">IP</th>
                  <th scope="col">Request ID</th>
                </tr>
              </thead>
              <tbody>
                {data.map((entry) => (
                  <tr key={entry.id}>
                    <td>
                      <Timestamp iso={entry.createdAt} relative={false} />
                    </td>
                    <td className="mono">{entry.action}</td>
                    <td>{party(entry.actor.type, entry.actor.id)}</td>
                    <td>{party(entry.target.type, entry.target.id)}</td>
                    <td className="mono small">{entry.ip ?? "—"}</td>
                    <td className="mono small">{entry.requestId ?? "—"}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
        )}
      </LoadState>
      <LoadMore
        hasMore={entries.hasMore}
        loading={entries.loadingMore}
        error={entries.moreError}
        onLoadMore={entries.loadMore}
      />
    </>
  );
}
