import { type ReactNode, useEffect, useRef } from "react";
import type { Mode } from "../api/types";
import { PAGES } from "../pages/pages";
import { Link } from "../router/link";
import { ROLE_LABELS } from "../session/permissions";
import { useSession } from "../session/session-context";
import { InlineError } from "./load-state";

interface LayoutProps {
  path: string;
  onModeChange: (mode: Mode) => void;
  signOutError: string | undefined;
  children: ReactNode;
}

/** The frame of every signed-in page: who and where you are, the mode, and the navigation. */
export function Layout({ path, onModeChange, signOutError, children }: LayoutProps) {
  const { me, mode, signOut } = useSession();
  const mainRef = useRef<HTMLElement>(null);
  const firstPath = useRef(path);

  // After in-app navigation, start screen readers and keyboard users at the new page's content.
  useEffect(() => {
    if (path !== firstPath.current) mainRef.current?.focus();
  }, [path]);

  return (
    <div className={`app mode-${mode}`}>
      <a className="skip-link" href="#main">
        Skip to content
      </a>
      <header className="app-header">
        <div className="brand-block">
          <span className="brand">Fanfare</span>
          <span className="org-name">{me.organization.name}</span>
        </div>
        <div className="header-controls">
          <span className="member">
            <span className="member-email">{me.member.email}</span>
            <span className="muted"> · {ROLE_LABELS[me.member.role]}</span>
          </span>
          <select
            aria-label="Mode"
            className="mode-select"
            value={mode}
            onChange={(event) => onModeChange(event.target.value === "test" ? "test" : "live")}
          >
            <option value="live">Live</option>
            <option value="test">Test</option>
          </select>
          <button type="button" className="button button-small" onClick={() => void signOut()}>
            Sign out
          </button>
        </div>
      </header>
      {mode === "test" && <p className="test-banner">Test mode — you are viewing and changing test data only.</p>}
      <InlineError message={signOutError} />
      <div className="app-body">
        <nav aria-label="Main" className="app-nav">
          <ul>
            {PAGES.filter((page) => !page.prefix).map((page) => (
              <li key={page.path}>
                <Link to={page.path}>{page.title}</Link>
              </li>
            ))}
          </ul>
        </nav>
        <main id="main" ref={mainRef} tabIndex={-1} className="app-main">
          {children}
        </main>
      </div>
    </div>
  );
}
