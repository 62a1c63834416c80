import { routes } from "@fanfare/sdk";
import { useState } from "react";
import { api } from "../../api/client";
import { LoadMore } from "../../components/load-more";
import { LoadState } from "../../components/load-state";
import { Timestamp } from "../../components/timestamp";
import { usePagedList } from "../../components/use-paged-list";
import { useResource } from "../../components/use-resource";
import { type AuditFilter, AuditFilters, NO_FILTER } from "./audit-filters";

/** A member is shown by email when known (removed members keep their id only). */
const party = (type: string, id: string | null, emails: ReadonlyMap<string, string>) => (
  <>
    {(id && emails.get(id)) ?? type} {id && <span className="mono small">{id}</span>}
  </>
);

export function AuditLogPage() {
  const [filter, setFilter] = useState<AuditFilter>(NO_FILTER);
  const entries = usePagedList(
    // A blank filter field means any value: it is not sent.
    (after) =>
      api.call(routes.listAuditLog, {
        query: {
          first: 50,
          after,
          action: filter.action || undefined,
          actorId: filter.actorId || undefined,
          targetId: filter.targetId || undefined,
        },
      }),
    JSON.stringify(filter),
  );
  const members = useResource(() => api.call(routes.listMembers, {}));
  const emails = new Map(members.status === "ready" ? members.data.data.map((m) => [m.id, m.email]) : []);
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
                    <td className="nowrap">
                      <Timestamp iso={entry.createdAt} relative={false} />
                    </td>
                    <td className="mono">{entry.action}</td>
                    <td>{party(entry.actor.type, entry.actor.id, emails)}</td>
                    <td>{party(entry.target.type, entry.target.id, emails)}</td>
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
