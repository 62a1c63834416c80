import { routes } from "@fanfare/sdk";
import { useState } from "react";
import { messageOf } from "../../api/api-error";
import { api } from "../../api/client";
import type { DashboardSession } from "../../api/types";
import { Badge } from "../../components/badge";
import { InlineError, LoadState } from "../../components/load-state";
import { Timestamp } from "../../components/timestamp";
import { useResource } from "../../components/use-resource";
import { useSession } from "../../session/session-context";
import { deviceName } from "./device-name";

/** The member's own dashboard sessions; ending another one signs that browser out. */
export function SessionsSection() {
  const { signOut } = useSession();
  const sessions = useResource(() => api.call(routes.listDashboardSessions, {}));
  const [error, setError] = useState<string>();

  const revoke = async (session: DashboardSession) => {
    setError(undefined);
    try {
      await api.call(routes.revokeDashboardSession, { params: { id: session.id } });
      sessions.reload();
    } catch (failure) {
      setError(messageOf(failure));
    }
  };

  return (
    <section className="panel" aria-labelledby="sessions-title">
      <h2 id="sessions-title">Your sessions</h2>
      <InlineError message={error} />
      <LoadState
        resource={sessions}
        what="sessions"
        isEmpty={(data) => data.data.length === 0}
        empty={<p>No active sessions.</p>}
      >
        {({ data }) => (
          <ul className="session-list">
            {data.map((session) => (
              <li key={session.id} className="session">
                <div>
                  <p className="session-device">
                    {deviceName(session.userAgent)} {session.current && <Badge tone="success">This device</Badge>}
                  </p>
                  <p className="muted small">
                    {session.ip ?? "Unknown IP"} · signed in <Timestamp iso={session.createdAt} /> · last active{" "}
                    <Timestamp iso={session.lastSeenAt} /> · ends <Timestamp iso={session.idleExpiresAt} />
                  </p>
                </div>
                {session.current ? (
                  <button type="button" className="button button-small" onClick={() => void signOut()}>
                    Sign out
                  </button>
                ) : (
                  <button
                    type="button"
                    className="button button-small button-danger-quiet"
                    aria-label={`Revoke session on ${deviceName(session.userAgent)} (${session.ip ?? "unknown IP"})`}
                    onClick={() => revoke(session)}
                  >
                    Revoke
                  </button>
                )}
              </li>
            ))}
          </ul>
        )}
      </LoadState>
    </section>
  );
}
