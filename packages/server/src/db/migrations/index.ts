import type { Migration } from "kysely";
import * as m0001 from "./0001-organizations-and-keys.js";
import * as m0002 from "./0002-key-rotation-and-audit.js";
import * as m0003 from "./0003-consumer-auth.js";
import * as m0004 from "./0004-external-identities.js";
import * as m0005 from "./0005-one-time-codes.js";
import * as m0006 from "./0006-organization-otp-webhook.js";
import * as m0007 from "./0007-experiences.js";
import * as m0008 from "./0008-queues.js";
import * as m0009 from "./0009-queue-entries.js";
import * as m0010 from "./0010-api-key-usage.js";
import * as m0011 from "./0011-webhooks-and-alerts.js";
import * as m0012 from "./0012-dashboard-members.js";
import * as m0013 from "./0013-refresh-successor-index.js";
import * as m0014 from "./0014-normalize-emails.js";
import * as m0015 from "./0015-dashboard-sign-in-codes.js";
import * as m0016 from "./0016-code-deliveries.js";
import * as m0017 from "./0017-queue-activity.js";
import * as m0018 from "./0018-audit-actor-key-value.js";
import * as m0019 from "./0019-browser-bound-sign-in-codes.js";
import * as m0020 from "./0020-test-mode-allowed-origins.js";
import * as m0021 from "./0021-recently-revoked-sessions.js";

/**
 * Forward-only, numbered migrations, run in order inside a transaction each (both dialects
 * support transactional DDL). Never edit a landed migration: add the next number.
 */
export const migrations: Record<string, Migration> = {
  "0001-organizations-and-keys": m0001,
  "0002-key-rotation-and-audit": m0002,
  "0003-consumer-auth": m0003,
  "0004-external-identities": m0004,
  "0005-one-time-codes": m0005,
  "0006-organization-otp-webhook": m0006,
  "0007-experiences": m0007,
  "0008-queues": m0008,
  "0009-queue-entries": m0009,
  "0010-api-key-usage": m0010,
  "0011-webhooks-and-alerts": m0011,
  "0012-dashboard-members": m0012,
  "0013-refresh-successor-index": m0013,
  "0014-normalize-emails": m0014,
  "0015-dashboard-sign-in-codes": m0015,
  "0016-code-deliveries": m0016,
  "0017-queue-activity": m0017,
  "0018-audit-actor-key-value": m0018,
  "0019-browser-bound-sign-in-codes": m0019,
  "0020-test-mode-allowed-origins": m0020,
  "0021-recently-revoked-sessions": m0021,
};
