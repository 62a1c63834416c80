import { routes } from "@fanfare/sdk";
import { useState } from "react";
import { messageOf } from "../../api/api-error";
import { api } from "../../api/client";
import type { CreateWebhookBody, WebhookEndpoint } from "../../api/types";
import { ConfirmDialog } from "../../components/confirm-dialog";
import { Dialog } from "../../components/dialog";
import { InlineError, LoadState } from "../../components/load-state";
import { ShownOnceDialog } from "../../components/shown-once-dialog";
import { Timestamp } from "../../components/timestamp";
import { useResource } from "../../components/use-resource";
import { useSession } from "../../session/session-context";
import { AddEndpointForm } from "./add-endpoint-form";
import { DeliveriesTable } from "./deliveries-table";

type Open = { kind: "add" } | { kind: "secret"; secret: string } | { kind: "delete"; endpoint: WebhookEndpoint };

export function WebhooksPage() {
  const { mode, canManage } = useSession();
  const endpoints = useResource(() => api.call(routes.listWebhookEndpoints, {}));
  const [open, setOpen] = useState<Open | null>(null);
  const [selectedId, setSelectedId] = useState<string>();
  const [sendingTest, setSendingTest] = useState(false);
  const [testEventId, setTestEventId] = useState<string>();
  const [testError, setTestError] = useState<string>();
  const close = () => setOpen(null);

  const add = async (body: CreateWebhookBody) => {
    const created = await api.call(routes.createWebhookEndpoint, { body });
    setOpen({ kind: "secret", secret: created.secret });
    endpoints.reload();
  };

  const remove = async (endpoint: WebhookEndpoint) => {
    await api.call(routes.deleteWebhookEndpoint, { params: { id: endpoint.id } });
    if (selectedId === endpoint.id) setSelectedId(undefined);
    close();
    endpoints.reload();
  };

  const sendTestEvent = async (endpoint: WebhookEndpoint) => {
    setSendingTest(true);
    setTestEventId(undefined);
    setTestError(undefined);
    try {
      const delivery = await api.call(routes.sendWebhookTestEvent, { params: { id: endpoint.id } });
      setTestEventId(delivery.eventId);
      // The endpoint's deliveries list the test event, and then how its attempts went.
      setSelectedId(endpoint.id);
    } catch (failure) {
      setTestError(messageOf(failure));
    }
    setSendingTest(false);
  };

  const selected =
    endpoints.status === "ready" ? endpoints.data.data.find((item) => item.id === selectedId) : undefined;

  return (
    <>
      <div className="page-header">
        <h1>Webhooks</h1>
        {canManage && (
          <button type="button" className="button button-primary" onClick={() => setOpen({ kind: "add" })}>
            Add endpoint
          </button>
        )}
      </div>
      <p className="lead">Fanfare posts signed alert events to these URLs. Showing {mode} endpoints.</p>
      {testEventId && (
        <p className="notice" role="status">
          Test event <span className="mono">{testEventId}</span> queued: Fanfare sends it within seconds. Refresh the
          deliveries below to see how it went.
        </p>
      )}
      <InlineError message={testError} />

      <LoadState
        resource={endpoints}
        what="webhook endpoints"
        isEmpty={(data) => data.data.length === 0}
        empty={<p>No {mode} endpoints yet.</p>}
      >
        {({ data }) => (
          <div className="table-scroll">
            <table className="table">
              <thead>
                <tr>
                  <th scope="col">URL</th>
                  <th scope="col">Events</th>
                  <th scope="col">Description</th>
                  <th scope="col">Created</th>
                  <th scope="col">
                    <span className="visually-hidden">Actions</span>
                  </th>
                </tr>
              </thead>
              <tbody>
                {data.map((endpoint) => (
                  <tr key={endpoint.id} className={endpoint.id === selectedId ? "row-selected" : undefined}>
                    <th scope="row" className="mono cell-url">
                      {endpoint.url}
                    </th>
                    <td className="mono small">{endpoint.events.join(", ")}</td>
                    <td>{endpoint.description ?? <span className="muted">—</span>}</td>
                    <td>
                      <Timestamp iso={endpoint.createdAt} />
                    </td>
                    <td className="cell-actions">
                      <span className="cell-inline">
                        <button
                          type="button"
                          className="button button-small"
                          aria-label={`Deliveries for ${endpoint.url}`}
                          aria-pressed={endpoint.id === selectedId}
                          onClick={() => setSelectedId(endpoint.id === selectedId ? undefined : endpoint.id)}
                        >
                          Deliveries
                        </button>
                        {canManage && (
                          <>
                            <button
                              type="button"
                              className="button button-small"
                              aria-label={`Send test event to ${endpoint.url}`}
                              disabled={sendingTest}
                              onClick={() => sendTestEvent(endpoint)}
                            >
                              Send test event
                            </button>
                            <button
                              type="button"
                              className="button button-small button-danger-quiet"
                              aria-label={`Delete ${endpoint.url}`}
                              onClick={() => setOpen({ kind: "delete", endpoint })}
                            >
                              Delete
                            </button>
                          </>
                        )}
                      </span>
                    </td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
        )}
      </LoadState>

      {selected && <DeliveriesTable endpoint={selected} latestTestEventId={testEventId} />}

      {open?.kind === "add" && (
        <Dialog title="Add webhook endpoint" onClose={close} size="large">
          <AddEndpointForm onSubmit={add} onCancel={close} />
        </Dialog>
      )}
      {open?.kind === "secret" && (
        <ShownOnceDialog
          title="Your webhook signing secret"
          warning="This secret will not be shown again. Store it somewhere safe now."
          testId="shown-once-secret"
          secret={open.secret}
          onDone={close}
        >
          <p>Use it to verify the signature on every event Fanfare sends to this endpoint.</p>
        </ShownOnceDialog>
      )}
      {open?.kind === "delete" && (
        <ConfirmDialog
          title="Delete webhook endpoint"
          confirmLabel="Delete endpoint"
          danger
          onConfirm={() => remove(open.endpoint)}
          onCancel={close}
        >
          <p>
            Events will no longer be sent to <span className="mono">{open.endpoint.url}</span>. This cannot be undone.
          </p>
        </ConfirmDialog>
      )}
    </>
  );
}
