import { createContext, useContext } from "react";
import type { Me, Mode } from "../api/types";

export interface Session {
  me: Me;
  mode: Mode;
  /** Whether the signed-in member may change keys, webhooks, settings and the team. */
  canManage: boolean;
  /** Whether the member may change experiences and queues, and act on a live queue. */
  canEdit: boolean;
  signOut: () => Promise<void>;
}

export const SessionContext = createContext<Session | null>(null);

/** The signed-in member; only pages behind sign-in call this. */
export function useSession(): Session {
  const session = useContext(SessionContext);
  if (!session) throw new Error("useSession must be used inside a signed-in page");
  return session;
}
