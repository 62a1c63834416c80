import { route } from "../route.js";

/** Who changed what, newest first (admin API). */
export const listAuditLog = route({
  api: "admin",
  auth: { kind: "secret", scope: "admin" },
  tags: ["Audit log"],
  method: "GET",
  path: "/audit-log",
  summary: "The audit log, newest first",
  query: "AuditQuery",
  responses: { 200: "AuditPage" },
});
