import { routes } from "@fanfare/sdk";
import { useState } from "react";
import { api } from "../../api/client";
import type { Experience, Queue } from "../../api/types";
import { Badge } from "../../components/badge";
import { ConfirmDialog } from "../../components/confirm-dialog";
import { Dialog } from "../../components/dialog";
import { formatNumber } from "../../components/format";
import { LoadState } from "../../components/load-state";
import { useResource } from "../../components/use-resource";
import { Link } from "../../router/link";
import { ROUTES } from "../../router/routes";
import { useSession } from "../../session/session-context";
import { type QueueFields, QueueForm } from "./queue-form";
import { statusOf } from "./queue-status";

type Open =
  | { kind: "create" }
  | { kind: "edit"; queue: Queue }
  | { kind: "entry"; queue: Queue; pause: boolean }
  | { kind: "delete"; queue: Queue };

/** An experience's queues: create, change, pause or resume entry, delete, and the way to each live view. */
export function QueuesPanel({ experience }: { experience: Experience }) {
  const { canEdit } = useSession();
  const queues = useResource(() => api.call(routes.listQueues, { params: { id: experience.id } }), experience.id);
  const [open, setOpen] = useState<Open | null>(null);
  const close = () => setOpen(null);
  const done = () => {
    close();
    queues.reload();
  };

  const create = async (fields: QueueFields) => {
    await api.call(routes.createQueue, { params: { id: experience.id }, body: fields });
    done();
  };
  const update = async (queue: Queue, fields: QueueFields) => {
    await api.call(routes.updateQueue, { params: { id: queue.id }, body: fields });
    done();
  };
  const setEntry = async (queue: Queue, pause: boolean) => {
    await api.call(routes.updateQueue, { params: { id: queue.id }, body: { status: pause ? "CLOSED" : null } });
    done();
  };
  const remove = async (queue: Queue) => {
    await api.call(routes.deleteQueue, { params: { id: queue.id } });
    done();
  };

  return (
    <section className="panel" aria-labelledby="queues-title">
      <div className="page-header">
        <h2 id="queues-title">Queues of {experience.name}</h2>
        {canEdit && (
          <button type="button" className="button" onClick={() => setOpen({ kind: "create" })}>
            New queue
          </button>
        )}
      </div>
      <LoadState
        resource={queues}
        what="queues"
        isEmpty={(data) => data.data.length === 0}
        empty={<p>No queues yet.</p>}
      >
        {({ data }) => (
          <div className="table-scroll">
            <table className="table">
              <thead>
                <tr>
                  <th scope="col">Queue</th>
                  <th scope="col">Status</th>
                  <th scope="col">Places held</th>
                  <th scope="col">Capacity</th>
                  <th scope="col">Admission window</th>
                  <th scope="col">
                    <span className="visually-hidden">Actions</span>
                  </th>
                </tr>
              </thead>
              <tbody>
                {data.map((queue) => {
                  const status = statusOf(queue.status, queue.statusOverride === "CLOSED");
                  return (
                    <tr key={queue.id}>
                      <th scope="row">
                        <Link to={`${ROUTES.liveQueue}/${queue.id}`}>{queue.name}</Link>
                      </th>
                      <td>
                        <Badge tone={status.tone}>{status.label}</Badge>
                      </td>
                      <td>{formatNumber(queue.consumerCount)}</td>
                      <td>{queue.capacity === null ? "No limit" : formatNumber(queue.capacity)}</td>
                      <td>{queue.admissionTtlSeconds / 60} min</td>
                      <td className="cell-actions">
                        <span className="cell-inline">
                          <Link className="button button-small" to={`${ROUTES.liveQueue}/${queue.id}`}>
                            Live view<span className="visually-hidden"> of {queue.name}</span>
                          </Link>
                          {canEdit && (
                            <>
                              <button
                                type="button"
                                className="button button-small"
                                aria-label={`Edit ${queue.name}`}
                                onClick={() => setOpen({ kind: "edit", queue })}
                              >
                                Edit
                              </button>
                              <button
                                type="button"
                                className="button button-small"
                                onClick={() => setOpen({ kind: "entry", queue, pause: !status.paused })}
                              >
                                {status.paused ? "Resume entry" : "Pause entry"}
                                <span className="visually-hidden"> to {queue.name}</span>
                              </button>
                              <button
                                type="button"
                                className="button button-small button-danger-quiet"
                                aria-label={`Delete ${queue.name}`}
                                onClick={() => setOpen({ kind: "delete", queue })}
                              >
                                Delete
                              </button>
                            </>
                          )}
                        </span>
                      </td>
                    </tr>
                  );
                })}
              </tbody>
            </table>
          </div>
        )}
      </LoadState>

      {open?.kind === "create" && (
        <Dialog title="New queue" onClose={close} size="large">
          <QueueForm submitLabel="Create queue" onSubmit={create} onCancel={close} />
        </Dialog>
      )}
      {open?.kind === "edit" && (
        <Dialog title={`Edit ${open.queue.name}`} onClose={close} size="large">
          <QueueForm
            initial={open.queue}
            submitLabel="Save changes"
            onSubmit={(fields) => update(open.queue, fields)}
            onCancel={close}
          />
        </Dialog>
      )}
      {open?.kind === "entry" && (
        <EntryDialog
          queue={open.queue}
          pause={open.pause}
          onConfirm={() => setEntry(open.queue, open.pause)}
          onCancel={close}
        />
      )}
      {open?.kind === "delete" && (
        <ConfirmDialog
          title="Delete queue"
          confirmLabel="Delete queue"
          danger
          onConfirm={() => remove(open.queue)}
          onCancel={close}
        >
          <p>
            <strong>{open.queue.name}</strong> and every shopper's place in it will be deleted. This cannot be undone.
          </p>
        </ConfirmDialog>
      )}
    </section>
  );
}

interface EntryDialogProps {
  queue: { name: string };
  pause: boolean;
  onConfirm: () => Promise<void>;
  onCancel: () => void;
}

/** Asks before pausing or resuming entry: places already held are kept either way. */
export function EntryDialog({ queue, pause, onConfirm, onCancel }: EntryDialogProps) {
  return (
    <ConfirmDialog
      title={pause ? "Pause entry" : "Resume entry"}
      confirmLabel={pause ? "Pause entry" : "Resume entry"}
      danger={pause}
      onConfirm={onConfirm}
      onCancel={onCancel}
    >
      <p>
        {pause
          ? `New shoppers will be turned away from ${queue.name}. Shoppers already in line keep their places.`
          : `Shoppers can join ${queue.name} again (within its open time).`}
      </p>
    </ConfirmDialog>
  );
}
