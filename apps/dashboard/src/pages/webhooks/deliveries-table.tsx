import { routes } from "@fanfare/sdk";
import { api } from "../../api/client";
import type { WebhookEndpoint } from "../../api/types";
import { Badge } from "../../components/badge";
import { LoadState } from "../../components/load-state";
import { Timestamp } from "../../components/timestamp";
import { useResource } from "../../components/use-resource";

const STATUS = {
  pending: { label: "Pending", tone: "warning" },
  succeeded: { label: "Succeeded", tone: "success" },
  failed: { label: "Failed", tone: "danger" },
} as const;

interface DeliveriesTableProps {
  endpoint: WebhookEndpoint;
  /** The test event last sent from this page: a new one is loaded into the list at once. */
  latestTestEventId?: string | undefined;
}

/** The latest deliveries to one endpoint and how each went. */
export function DeliveriesTable({ endpoint, latestTestEventId }: DeliveriesTableProps) {
  const deliveries = useResource(
    () => api.call(routes.listWebhookDeliveries, { params: { id: endpoint.id } }),
    `${endpoint.id} ${latestTestEventId ?? ""}`,
  );
  return (
    <section className="panel" aria-labelledby="deliveries-title">
      <div className="section-header">
        <h2 id="deliveries-title">
          Deliveries to <span className="mono">{endpoint.url}</span>
        </h2>
        <button type="button" className="button button-small" onClick={deliveries.reload}>
          Refresh
        </button>
      </div>
      <LoadState
        resource={deliveries}
        what="deliveries"
        isEmpty={(data) => data.data.length === 0}
        empty={
          <p>No deliveries yet. Events are sent here when alerts fire or resolve, or when you send a test event.</p>
        }
      >
        {({ data }) => (
          <div className="table-scroll">
            <table className="table">
              <thead>
                <tr>
                  <th scope="col">Event</th>
                  <th scope="col">Status</th>
                  <th scope="col" className="numeric">
                    Attempts
                  </th>
                  <th scope="col">Last status code</th>
                  <th scope="col">Last error</th>
                  <th scope="col">Next attempt</th>
                  <th scope="col">Created</th>
                </tr>
              </thead>
              <tbody>
                {data.map((delivery) => (
                  <tr key={delivery.id}>
                    <th scope="row" className="mono">
                      {delivery.type}
                    </th>
                    <td>
                      <Badge tone={STATUS[delivery.status].tone}>{STATUS[delivery.status].label}</Badge>
                    </td>
                    <td className="numeric">{delivery.attempts}</td>
                    <td>{delivery.lastStatusCode ?? "—"}</td>
                    <td className="small">{delivery.lastError ?? "—"}</td>
                    <td>
                      <Timestamp iso={delivery.nextAttemptAt} />
                    </td>
                    <td>
                      <Timestamp iso={delivery.createdAt} />
                    </td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
        )}
      </LoadState>
    </section>
  );
}
