import { routes } from "@fanfare/sdk";
import { useState } from "react";
import { api } from "../../api/client";
import type { Experience } from "../../api/types";
import { ConfirmDialog } from "../../components/confirm-dialog";
import { Dialog } from "../../components/dialog";
import { LoadState } from "../../components/load-state";
import { Timestamp } from "../../components/timestamp";
import { useResource } from "../../components/use-resource";
import { useSession } from "../../session/session-context";
import { type ExperienceFields, ExperienceForm } from "./experience-form";
import { QueuesPanel } from "./queues-panel";

type Open = { kind: "create" } | { kind: "edit"; experience: Experience } | { kind: "delete"; experience: Experience };

/** Experiences (a drop each) and their queues: create, change, delete; each queue opens its live view. */
export function DropsPage() {
  const { mode, canEdit } = useSession();
  const experiences = useResource(() => api.call(routes.listExperiences, { query: { first: 100 } }));
  const [open, setOpen] = useState<Open | null>(null);
  const [selectedId, setSelectedId] = useState<string>();
  const close = () => setOpen(null);

  const create = async (fields: ExperienceFields) => {
    const created = await api.call(routes.createExperience, { body: fields });
    close();
    setSelectedId(created.id);
    experiences.reload();
  };
  const update = async (experience: Experience, fields: ExperienceFields) => {
    await api.call(routes.updateExperience, { params: { id: experience.id }, body: fields });
    close();
    experiences.reload();
  };
  const remove = async (experience: Experience) => {
    await api.call(routes.deleteExperience, { params: { id: experience.id } });
    if (selectedId === experience.id) setSelectedId(undefined);
    close();
    experiences.reload();
  };

  const selected =
    experiences.status === "ready" ? experiences.data.data.find((item) => item.id === selectedId) : undefined;

  return (
    <>
      <div className="page-header">
        <h1>Drops</h1>
        {canEdit && (
          <button type="button" className="button button-primary" onClick={() => setOpen({ kind: "create" })}>
            New experience
          </button>
        )}
      </div>
      <p className="lead">Each experience is a drop; its queues are the lines shoppers wait in. Showing {mode} data.</p>

      <LoadState
        resource={experiences}
        what="experiences"
        isEmpty={(data) => data.data.length === 0}
        empty={<p>No {mode} experiences yet.</p>}
      >
        {({ data }) => (
          <div className="table-scroll">
            <table className="table">
              <thead>
                <tr>
                  <th scope="col">Experience</th>
                  <th scope="col">Opens</th>
                  <th scope="col">Closes</th>
                  <th scope="col">
                    <span className="visually-hidden">Actions</span>
                  </th>
                </tr>
              </thead>
              <tbody>
                {data.map((experience) => (
                  <tr key={experience.id} className={experience.id === selectedId ? "row-selected" : undefined}>
                    <th scope="row">{experience.name}</th>
                    <td>
                      <Timestamp iso={experience.openAt} relative={false} />
                    </td>
                    <td>
                      <Timestamp iso={experience.closeAt} relative={false} />
                    </td>
                    <td className="cell-actions">
                      <span className="cell-inline">
                        <button
                          type="button"
                          className="button button-small"
                          aria-label={`Queues of ${experience.name}`}
                          aria-pressed={experience.id === selectedId}
                          onClick={() => setSelectedId(experience.id === selectedId ? undefined : experience.id)}
                        >
                          Queues
                        </button>
                        {canEdit && (
                          <>
                            <button
                              type="button"
                              className="button button-small"
                              aria-label={`Edit ${experience.name}`}
                              onClick={() => setOpen({ kind: "edit", experience })}
                            >
                              Edit
                            </button>
                            <button
                              type="button"
                              className="button button-small button-danger-quiet"
                              aria-label={`Delete ${experience.name}`}
                              onClick={() => setOpen({ kind: "delete", experience })}
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

      {selected && <QueuesPanel key={selected.id} experience={selected} />}

      {open?.kind === "create" && (
        <Dialog title="New experience" onClose={close} size="large">
          <ExperienceForm submitLabel="Create experience" onSubmit={create} onCancel={close} />
        </Dialog>
      )}
      {open?.kind === "edit" && (
        <Dialog title={`Edit ${open.experience.name}`} onClose={close} size="large">
          <ExperienceForm
            initial={open.experience}
            submitLabel="Save changes"
            onSubmit={(fields) => update(open.experience, fields)}
            onCancel={close}
          />
        </Dialog>
      )}
      {open?.kind === "delete" && (
        <ConfirmDialog
          title="Delete experience"
          confirmLabel="Delete experience"
          danger
          onConfirm={() => remove(open.experience)}
          onCancel={close}
        >
          <p>
            <strong>{open.experience.name}</strong> and all its queues will be deleted, with every shopper's place in
            them. This cannot be undone.
          </p>
        </ConfirmDialog>
      )}
    </>
  );
}
