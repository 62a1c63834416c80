import { routes } from "@fanfare/sdk";
import { useEffect, useId, useState } from "react";
import { api } from "../../api/client";
import { type LiveConnection, watchQueue } from "../../api/live-stream";
import type { QueueLiveView } from "../../api/types";
import { Badge } from "../../components/badge";
import { ConfirmDialog } from "../../components/confirm-dialog";
import { formatNumber } from "../../components/format";
import { Timestamp } from "../../components/timestamp";
import { Link } from "../../router/link";
import { ROUTES } from "../../router/routes";
import { useRouter } from "../../router/use-router";
import { useSession } from "../../session/session-context";
import { LiveChart } from "./live-chart";
import { statusOf } from "./queue-status";
import { EntryDialog } from "./queues-panel";

type Action =
  | { kind: "admit" }
  | { kind: "extend" }
  | { kind: "entry"; pause: boolean }
  | { kind: "deny"; consumerId: string; contact: string | null };

const CONNECTION_TEXT: Record<LiveConnection, string> = {
  connecting: "Connecting…",
  streaming: "Live",
  polling: "Updating every 2 s",
};

const milliseconds = (value: number | null) => (value === null ? "—" : `${formatNumber(value)} ms`);

/** One queue during a drop: the line as it moves, updated every second, and the operator's actions. */
export function QueueLivePage() {
  const { path } = useRouter();
  const queueId = decodeURIComponent(path.slice(ROUTES.liveQueue.length + 1));
  const { canEdit } = useSession();
  const [view, setView] = useState<QueueLiveView>();
  const [connection, setConnection] = useState<LiveConnection>("connecting");
  const [gone, setGone] = useState(false);
  const [action, setAction] = useState<Action | null>(null);
  const [notice, setNotice] = useState<string>();

  useEffect(
    () => watchQueue(queueId, { snapshot: setView, connection: setConnection, gone: () => setGone(true) }),
    [queueId],
  );

  const close = () => setAction(null);
  const done = (message: string) => {
    close();
    setNotice(message);
  };
  const admit = async (count: number) => {
    const { data } = await api.call(routes.admitNextInLine, { params: { id: queueId }, body: { count } });
    done(`Admitted ${data.length} ${data.length === 1 ? "shopper" : "shoppers"}.`);
  };
  const extend = async (minutes: number) => {
    const result = await api.call(routes.extendAdmissions, {
      params: { id: queueId },
      body: { seconds: minutes * 60 },
    });
    done(
      `Gave ${result.extended} running ${result.extended === 1 ? "admission" : "admissions"} ${minutes} more minutes.`,
    );
  };
  const setEntry = async (pause: boolean) => {
    await api.call(routes.updateQueue, { params: { id: queueId }, body: { status: pause ? "CLOSED" : null } });
    done(pause ? "Entry paused: places already held are kept." : "Entry resumed.");
  };
  const deny = async (consumerId: string) => {
    await api.call(routes.denyInLine, { params: { id: queueId }, body: { consumerId } });
    done("The shopper was denied their place.");
  };

  if (gone) {
    return (
      <>
        <h1>Queue not found</h1>
        <p>
          This queue does not exist in this mode, or it was deleted. <Link to={ROUTES.drops}>Back to drops</Link>
        </p>
      </>
    );
  }
  if (!view) {
    return (
      <p className="state" role="status">
        Loading the live view…
      </p>
    );
  }
  const status = statusOf(view.status, view.paused);
  const stats: [string, string][] = [
    ["Waiting", formatNumber(view.counts.waiting)],
    ["Admitted", formatNumber(view.counts.admitted)],
    ["Completed", formatNumber(view.counts.completed)],
    ["Denied", formatNumber(view.counts.denied)],
    ["Expired", formatNumber(view.counts.expired)],
    ["Arrivals / s", String(view.perSecond.arrivals)],
    ["Admissions / s", String(view.perSecond.admissions)],
    ["Enter p50", milliseconds(view.enterMs.p50)],
    ["Enter p99", milliseconds(view.enterMs.p99)],
    ["Rate-limited (5 min)", formatNumber(view.rateLimited)],
  ];

  return (
    <>
      <p className="breadcrumb">
        <Link to={ROUTES.drops}>Drops</Link>
      </p>
      <div className="page-header">
        <h1>{view.name}</h1>
        <span className="cell-inline">
          <Badge tone={status.tone}>{status.label}</Badge>
          <Badge tone={connection === "streaming" ? "success" : "neutral"}>{CONNECTION_TEXT[connection]}</Badge>
        </span>
      </div>
      {notice && (
        <p className="notice" role="status">
          {notice}
        </p>
      )}
      {canEdit && (
        <fieldset className="toolbar toolbar-plain">
          <legend className="visually-hidden">Operator actions</legend>
          <button type="button" className="button button-primary" onClick={() => setAction({ kind: "admit" })}>
            Admit next…
          </button>
          <button type="button" className="button" onClick={() => setAction({ kind: "entry", pause: !status.paused })}>
            {status.paused ? "Resume entry" : "Pause entry"}
          </button>
          <button type="button" className="button" onClick={() => setAction({ kind: "extend" })}>
            Extend admissions…
          </button>
        </fieldset>
      )}

      <section aria-labelledby="live-now-title">
        <h2 id="live-now-title" className="visually-hidden">
          Now
        </h2>
        <dl className="stats" data-testid="live-stats">
          {stats.map(([label, value]) => (
            <div className="stat" key={label}>
              <dt>{label}</dt>
              <dd>{value}</dd>
            </div>
          ))}
        </dl>
      </section>

      <section className="panel" aria-labelledby="live-pace-title">
        <h2 id="live-pace-title">Arrivals and admissions, last 5 minutes</h2>
        <LiveChart series={view.series} />
      </section>

      <section aria-labelledby="next-title">
        <h2 id="next-title">Next in line</h2>
        {view.nextInLine.length === 0 ? (
          <p className="state">Nobody is waiting.</p>
        ) : (
          <div className="table-scroll">
            <table className="table">
              <thead>
                <tr>
                  <th scope="col">Position</th>
                  <th scope="col">Consumer</th>
                  <th scope="col">Contact</th>
                  <th scope="col">Waiting since</th>
                  {canEdit && (
                    <th scope="col">
                      <span className="visually-hidden">Actions</span>
                    </th>
                  )}
                </tr>
              </thead>
              <tbody>
                {view.nextInLine.map((next) => (
                  <tr key={next.consumerId}>
                    <td>{next.position}</td>
                    <th scope="row" className="mono">
                      {next.consumerId}
                    </th>
                    <td>{next.contact ?? <span className="muted">Guest</span>}</td>
                    <td>
                      <Timestamp iso={next.enteredAt} />
                    </td>
                    {canEdit && (
                      <td className="cell-actions">
                        <button
                          type="button"
                          className="button button-small button-danger-quiet"
                          aria-label={`Deny ${next.consumerId}`}
                          onClick={() =>
                            setAction({ kind: "deny", consumerId: next.consumerId, contact: next.contact })
                          }
                        >
                          Deny
                        </button>
                      </td>
                    )}
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
        )}
      </section>

      {action?.kind === "admit" && <AdmitDialog waiting={view.counts.waiting} onAdmit={admit} onCancel={close} />}
      {action?.kind === "extend" && <ExtendDialog admitted={view.counts.admitted} onExtend={extend} onCancel={close} />}
      {action?.kind === "entry" && (
        <EntryDialog queue={view} pause={action.pause} onConfirm={() => setEntry(action.pause)} onCancel={close} />
      )}
      {action?.kind === "deny" && (
        <ConfirmDialog
          title="Deny this shopper"
          confirmLabel="Deny shopper"
          danger
          onConfirm={() => deny(action.consumerId)}
          onCancel={close}
        >
          <p>
            <span className="mono">{action.consumerId}</span>
            {action.contact ? ` (${action.contact})` : ""} loses their place and cannot check out. This is recorded in
            the audit log.
          </p>
        </ConfirmDialog>
      )}
    </>
  );
}

function AdmitDialog(props: { waiting: number; onAdmit: (count: number) => Promise<void>; onCancel: () => void }) {
  const id = useId();
  const [count, setCount] = useState("10");
  const valid = /^[1-9]\d{0,3}$/.test(count) && Number(count) <= 1000;
  return (
    <ConfirmDialog
      title="Admit the next shoppers"
      confirmLabel="Admit"
      onConfirm={async () => {
        if (!valid) throw new Error("Admit from 1 to 1000 shoppers at a time.");
        await props.onAdmit(Number(count));
      }}
      onCancel={props.onCancel}
    >
      <div className="field">
        <label htmlFor={id}>How many (of {formatNumber(props.waiting)} waiting)</label>
        <input id={id} inputMode="numeric" value={count} onChange={(event) => setCount(event.target.value)} />
      </div>
      <p>They are admitted in arrival order and get the queue's admission window to check out.</p>
    </ConfirmDialog>
  );
}

const EXTENSIONS = [5, 10, 15, 30, 60];

function ExtendDialog(props: { admitted: number; onExtend: (minutes: number) => Promise<void>; onCancel: () => void }) {
  const id = useId();
  const [minutes, setMinutes] = useState(10);
  return (
    <ConfirmDialog
      title="Extend running admissions"
      confirmLabel="Extend"
      onConfirm={() => props.onExtend(minutes)}
      onCancel={props.onCancel}
    >
      <div className="field">
        <label htmlFor={id}>Minutes to add</label>
        <select id={id} value={minutes} onChange={(event) => setMinutes(Number(event.target.value))}>
          {EXTENSIONS.map((option) => (
            <option key={option} value={option}>
              {option} minutes
            </option>
          ))}
        </select>
      </div>
      <p>
        The {formatNumber(props.admitted)} shoppers admitted now get more time to check out. Shoppers admitted later get
        the queue's usual window.
      </p>
    </ConfirmDialog>
  );
}
