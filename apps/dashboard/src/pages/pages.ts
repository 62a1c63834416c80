import { type ComponentType, lazy } from "react";
import { ROUTES } from "../router/routes";
import { AlertsPage } from "./alerts/alerts-page";
import { AuditLogPage } from "./audit-log/audit-log-page";
import { DropsPage } from "./drops/drops-page";
import { KeysPage } from "./keys/keys-page";
import { SettingsPage } from "./settings/settings-page";
import { TeamPage } from "./team/team-page";
import { WebhooksPage } from "./webhooks/webhooks-page";

// Recharts is most of the bundle, so the one page that draws charts loads on demand.
const UsagePage = lazy(() => import("./usage/usage-page").then((module) => ({ default: module.UsagePage })));
const QueueLivePage = lazy(() =>
  import("./drops/queue-live-page").then((module) => ({ default: module.QueueLivePage })),
);

/**
 * The signed-in pages, in navigation order. A `prefix` page answers every path below its own
 * (the rest names what it shows) and is reached from another page, not from the navigation.
 */
export const PAGES: { path: string; title: string; Page: ComponentType; prefix?: boolean }[] = [
  { path: ROUTES.drops, title: "Drops", Page: DropsPage },
  { path: ROUTES.liveQueue, title: "Live queue", Page: QueueLivePage, prefix: true },
  { path: ROUTES.keys, title: "API keys", Page: KeysPage },
  { path: ROUTES.usage, title: "Usage", Page: UsagePage },
  { path: ROUTES.alerts, title: "Alerts", Page: AlertsPage },
  { path: ROUTES.webhooks, title: "Webhooks", Page: WebhooksPage },
  { path: ROUTES.auditLog, title: "Audit log", Page: AuditLogPage },
  { path: ROUTES.settings, title: "Settings", Page: SettingsPage },
  { path: ROUTES.team, title: "Team", Page: TeamPage },
];
