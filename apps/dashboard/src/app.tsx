import { routes } from "@fanfare/sdk";
import { Suspense, useCallback, useEffect, useMemo, useState } from "react";
import { ApiError, messageOf } from "./api/api-error";
import { api, onUnauthorized, setCsrfToken } from "./api/client";
import { currentMode, setMode } from "./api/mode";
import type { Me, Mode } from "./api/types";
import { Layout } from "./components/layout";
import { ErrorState } from "./components/load-state";
import { PAGES } from "./pages/pages";
import { AcceptInvitationPage } from "./pages/sign-in/accept-invitation-page";
import { SignInPage } from "./pages/sign-in/sign-in-page";
import { HOME, ROUTES } from "./router/routes";
import { navigate, useRouter } from "./router/use-router";
import { canEdit, canManage } from "./session/permissions";
import { type Session, SessionContext } from "./session/session-context";

type Auth =
  | { status: "checking" }
  | { status: "failed"; error: string }
  | { status: "signed-out"; sessionEnded: boolean }
  | { status: "signed-in"; me: Me };

/** Where the current path should send the member instead, if anywhere. */
function redirectFor(path: string, signedIn: boolean): string | undefined {
  if (path === ROUTES.acceptInvitation) return undefined;
  if (path === ROUTES.signIn) return signedIn ? HOME : undefined;
  if (!signedIn) return ROUTES.signIn;
  if (path === "/" || path === "/dashboard") return HOME;
  return undefined;
}

export function App() {
  const { path, query } = useRouter();
  const [auth, setAuth] = useState<Auth>({ status: "checking" });
  const [mode, setModeState] = useState<Mode>(currentMode);
  const [signOutError, setSignOutError] = useState<string>();

  const signedIn = useCallback((me: Me) => {
    setCsrfToken(me.csrfToken);
    setAuth({ status: "signed-in", me });
  }, []);

  const signedOut = useCallback((sessionEnded = false) => {
    setCsrfToken(undefined);
    setAuth({ status: "signed-out", sessionEnded });
  }, []);

  const checkSession = useCallback(() => {
    setAuth({ status: "checking" });
    api.call(routes.getDashboardMe, {}).then(signedIn, (error: unknown) => {
      if (error instanceof ApiError && error.status === 401) signedOut();
      else setAuth({ status: "failed", error: messageOf(error) });
    });
  }, [signedIn, signedOut]);

  useEffect(() => {
    onUnauthorized(() => signedOut(true));
    checkSession();
  }, [checkSession, signedOut]);

  const redirect =
    auth.status === "checking" || auth.status === "failed" ? undefined : redirectFor(path, auth.status === "signed-in");
  useEffect(() => {
    if (redirect) navigate(redirect, { replace: true });
  }, [redirect]);

  const page = PAGES.find((candidate) =>
    candidate.prefix ? path.startsWith(`${candidate.path}/`) : candidate.path === path,
  );
  useEffect(() => {
    const title =
      path === ROUTES.signIn ? "Sign in" : path === ROUTES.acceptInvitation ? "Accept invitation" : page?.title;
    document.title = title ? `${title} · Fanfare` : "Fanfare";
  }, [path, page]);

  const session = useMemo<Session | null>(() => {
    if (auth.status !== "signed-in") return null;
    return {
      me: auth.me,
      mode,
      canManage: canManage(auth.me.member.role),
      canEdit: canEdit(auth.me.member.role),
      signOut: async () => {
        setSignOutError(undefined);
        try {
          await api.call(routes.signOut, {});
        } catch (error) {
          // A session the server already ended is as good as signed out; anything else is worth saying.
          if (!(error instanceof ApiError && error.status === 401)) {
            setSignOutError(messageOf(error));
            return;
          }
        }
        signedOut();
      },
    };
  }, [auth, mode, signedOut]);

  if (path === ROUTES.acceptInvitation) {
    const joined = (me: Me) => {
      signedIn(me);
      navigate(HOME, { replace: true });
    };
    return <AcceptInvitationPage initialCode={query.get("code") ?? ""} onJoined={joined} />;
  }
  if (auth.status === "checking") {
    return (
      <p className="state app-loading" role="status">
        Loading…
      </p>
    );
  }
  if (auth.status === "failed") {
    return (
      <main className="auth-page">
        <ErrorState message={auth.error} onRetry={checkSession} />
      </main>
    );
  }
  if (redirect) return null;
  if (!session) {
    const sessionEnded = auth.status === "signed-out" && auth.sessionEnded;
    return <SignInPage sessionEnded={sessionEnded} onSignedIn={signedIn} />;
  }

  const changeMode = (next: Mode) => {
    setMode(next);
    setModeState(next);
  };
  return (
    <SessionContext.Provider value={session}>
      <Layout path={path} onModeChange={changeMode} signOutError={signOutError}>
        {page ? (
          <Suspense
            fallback={
              <p className="state" role="status">
                Loading…
              </p>
            }
          >
            {/* Keyed by mode so switching modes loads the page's data afresh. */}
            <page.Page key={mode} />
          </Suspense>
        ) : (
          <>
            <h1>Page not found</h1>
            <p>There is no page at this address. Choose a page from the navigation.</p>
          </>
        )}
      </Layout>
    </SessionContext.Provider>
  );
}
