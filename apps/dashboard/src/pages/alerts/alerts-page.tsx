import { routes } from "@fanfare/sdk";
import { useId, useState } from "react";
import { messageOf } from "../../api/api-error";
import { api } from "../../api/client";
import type { Alert } from "../../api/types";
import { Badge } from "../../components/badge";
import { LoadMore } from "../../components/load-more";
import { InlineError, LoadState } from "../../components/load-state";
import { Timestamp } from "../../components/timestamp";
import { usePagedList } from "../../components/use-paged-list";
import { useResource } from "../../components/use-resource";
import { useSession } from "../../session/session-context";
import { AlertRulesList } from "./alert-rules-list";
import { ALERT_TYPES, detailsText } from "./alert-text";

const FILTERS = [
  { value: "open", label: "Open", status: "open" },
  { value: "acknowledged", label: "Acknowledged", status: "open" },
  { value: "resolved", label: "Resolved", status: "resolved" },
  { value: "all", label: "All", status: undefined },
] as const;
type Filter = (typeof FILTERS)[number]["value"];

/** "Open" means nobody has looked yet; acknowledged alerts stay open until their condition clears. */
function matches(filter: Filter, alert: Alert): boolean {
  if (filter === "open") return alert.acknowledgedAt === null;
  if (filter === "acknowledged") return alert.acknowledgedAt !== null;
  return true;
}

export function AlertsPage() {
  const { canManage } = useSession();
  const [filter, setFilter] = useState<Filter>("open");
  const [actionError, setActionError] = useState<string>();
  const filterId = useId();
  const status = FILTERS.find((option) => option.value === filter)?.status;
  const alerts = usePagedList(
    (after) => api.call(routes.listAlerts, { query: { first: 100, after, status } }),
    status ?? "all",
  );
  // Alerts name keys by id; the key list turns that into a name where it can.
  const keys = useResource(() => api.call(routes.listApiKeys, { query: { first: 100 } }).catch(() => undefined));
  const keyName = (id: string | null) =>
    id === null
      ? "Whole organization"
      : (keys.status === "ready" && keys.data?.data.find((key) => key.id === id)?.name) || id;

  const acknowledge = async (alert: Alert) => {
    setActionError(undefined);
    try {
      await api.call(routes.acknowledgeAlert, { params: { id: alert.id }, body: { acknowledged: true } });
      alerts.resource.reload();
    } catch (error) {
      setActionError(messageOf(error));
    }
  };

  return (
    <>
      <div className="page-header">
        <h1>Alerts</h1>
      </div>
      <div className="toolbar">
        <div className="field field-inline">
          <label htmlFor={filterId}>Status</label>
          <select id={filterId} value={filter} onChange={(event) => setFilter(event.target.value as Filter)}>
            {FILTERS.map((option) => (
              <option key={option.value} value={option.value}>
                {option.label}
              </option>
            ))}
          </select>
        </div>
      </div>
      <InlineError message={actionError} />
      <LoadState
        resource={alerts.resource}
        what="alerts"
        isEmpty={(data) => !data.some((alert) => matches(filter, alert))}
        empty={<p>No {filter === "all" ? "" : `${filter} `}alerts.</p>}
      >
        {(data) => (
          <div className="table-scroll">
            <table className="table">
              <thead>
                <tr>
                  <th scope="col">Type</th>
                  <th scope="col">Key</th>
                  <th scope="col">When</th>
                  <th scope="col">Details</th>
                  <th scope="col">Status</th>
                  <th scope="col">
                    <span className="visually-hidden">Actions</span>
                  </th>
                </tr>
              </thead>
              <tbody>
                {data
                  .filter((alert) => matches(filter, alert))
                  .map((alert) => (
                    <tr key={alert.id}>
                      <th scope="row">{ALERT_TYPES[alert.type] ?? alert.type}</th>
                      <td>{keyName(alert.keyId)}</td>
                      <td>
                        <Timestamp iso={alert.firedAt} />
                      </td>
                      <td className="small">{detailsText(alert.details)}</td>
                      <td>
                        {alert.status === "resolved" ? (
                          <Badge>Resolved</Badge>
                        ) : alert.acknowledgedAt ? (
                          <Badge tone="warning">Acknowledged</Badge>
                        ) : (
                          <Badge tone="danger">Open</Badge>
                        )}
                      </td>
                      <td className="cell-actions">
                        {canManage && alert.status === "open" && !alert.acknowledgedAt && (
                          <button type="button" className="button button-small" onClick={() => acknowledge(alert)}>
                            Acknowledge
                          </button>
                        )}
                      </td>
                    </tr>
                  ))}
              </tbody>
            </table>
          </div>
        )}
      </LoadState>
      <LoadMore
        hasMore={alerts.hasMore}
        loading={alerts.loadingMore}
        error={alerts.moreError}
        onLoadMore={alerts.loadMore}
      />
      <AlertRulesList />
    </>
  );
}
