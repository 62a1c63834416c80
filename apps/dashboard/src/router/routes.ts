/** Every page of the app, under the base the admin API serves it from. */
export const ROUTES = {
  signIn: "/dashboard/sign-in",
  acceptInvitation: "/dashboard/accept-invitation",
  keys: "/dashboard/keys",
  drops: "/dashboard/drops",
  /** Followed by `/<queue id>`: one queue's live view. */
  liveQueue: "/dashboard/drops/queues",
  usage: "/dashboard/usage",
  alerts: "/dashboard/alerts",
  webhooks: "/dashboard/webhooks",
  auditLog: "/dashboard/audit-log",
  settings: "/dashboard/settings",
  team: "/dashboard/team",
} as const;

export const HOME = ROUTES.keys;
