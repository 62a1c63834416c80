import type { AlertType } from "../../db/schema.js";
import type { Deps } from "../../deps.js";
import { errors } from "../../http/errors.js";
import { isoAt } from "../../lib/clock.js";
import { newId } from "../../lib/ids.js";
import type { TenantScope } from "../../lib/tenant.js";
import { planLimitPerMinute } from "../../ratelimit/plans.js";
import { applyChange, inMode, organizationWide } from "../audit/apply-change.js";
import type { Actor } from "../audit/service.js";
import { codeDeliveriesSince } from "../otp/index.js";
import { emitEvent } from "../webhooks/service.js";
import { type AlertRulesPatch, merge, rulesOf } from "./rules.js";
import {
  type Alert,
  acknowledgeAlert,
  getAlert,
  keysToWatch,
  openAlert,
  openAlerts,
  recentMinutes,
  resolveAlert,
  saveAlertRules,
  storedAlertRules,
} from "./store.js";

const MINUTE = 60_000;
const DAY = 24 * 60 * MINUTE;

export function alertView(alert: Alert) {
  return {
    id: alert.id,
    object: "alert" as const,
    type: alert.type,
    status: alert.status,
    keyId: alert.keyId,
    mode: alert.tenant.mode,
    details: alert.details,
    firedAt: alert.firedAt,
    resolvedAt: alert.resolvedAt,
    acknowledgedAt: alert.acknowledgedAt,
  };
}

interface Condition {
  tenant: TenantScope;
  type: AlertType;
  keyId: string | null;
  details: Record<string, unknown>;
}

type Traffic = { startMs: number; requests: number; successes: number }[];

function sum(traffic: Traffic, fromMs: number, toMs: number) {
  let requests = 0;
  let successes = 0;
  for (const bucket of traffic) {
    if (bucket.startMs >= fromMs && bucket.startMs < toMs) {
      requests += bucket.requests;
      successes += bucket.successes;
    }
  }
  return { requests, successes };
}

/** Which rules hold right now, judged on complete minutes of flushed usage and the keys' dates. */
async function conditionsNow(deps: Deps, nowMs: number): Promise<Map<string, Condition>> {
  const minuteStart = nowMs - (nowMs % MINUTE);
  const [keys, minutes] = await Promise.all([
    keysToWatch(deps.db),
    recentMinutes(deps.db, isoAt(minuteStart - 65 * MINUTE)),
  ]);
  const traffic = new Map<string, Traffic>();
  for (const bucket of minutes) traffic.set(bucket.keyId, [...(traffic.get(bucket.keyId) ?? []), bucket]);
  const holding = new Map<string, Condition>();
  for (const key of keys) {
    const rules = rulesOf(key.alertRules);
    const tenant = { organizationId: key.organizationId, mode: key.mode };
    const hold = (type: AlertType, details: Record<string, unknown>) =>
      holding.set(alertKey(tenant, type, key.keyId), { tenant, type, keyId: key.keyId, details });
    const seen = traffic.get(key.keyId) ?? [];
    const lastMinute = sum(seen, minuteStart - MINUTE, minuteStart);
    const last5 = sum(seen, minuteStart - 5 * MINUTE, minuteStart);
    const hourBefore = sum(seen, minuteStart - 65 * MINUTE, minuteStart - 5 * MINUTE);

    const limit = planLimitPerMinute(key);
    const { rateLimitApproaching, unusualActivity, errorRate, unusedKey, rotationDue } = rules;
    if (
      rateLimitApproaching.enabled &&
      key.kind === "secret" &&
      lastMinute.requests >= rateLimitApproaching.threshold * limit
    ) {
      hold("rate_limit_approaching", {
        requests: lastMinute.requests,
        limit,
        threshold: rateLimitApproaching.threshold,
      });
    }
    const baseline = hourBefore.requests / 12;
    if (
      unusualActivity.enabled &&
      last5.requests >= unusualActivity.minRequests &&
      last5.requests > unusualActivity.multiplier * baseline
    ) {
      hold("unusual_activity", { requestsLast5Minutes: last5.requests, averagePer5Minutes: baseline });
    }
    const failed = last5.requests - last5.successes;
    if (errorRate.enabled && last5.requests >= errorRate.minRequests && failed / last5.requests > errorRate.threshold) {
      hold("error_rate", { requests: last5.requests, failed, errorRate: failed / last5.requests });
    }
    const lastUseMs = Math.max(Date.parse(key.lastUsedAt ?? key.createdAt), deps.lastUsed.pendingFor(key.keyId) ?? 0);
    if (unusedKey.enabled && nowMs - lastUseMs >= unusedKey.days * DAY) {
      hold("unused_key", { lastUsedAt: key.lastUsedAt, days: unusedKey.days });
    }
    const valueSince = key.rotatedAt ?? key.createdAt;
    if (
      rotationDue.enabled &&
      key.kind === "secret" &&
      key.mode === "live" &&
      nowMs - Date.parse(valueSince) >= rotationDue.days * DAY
    ) {
      hold("rotation_due", { valueSince, days: rotationDue.days });
    }
  }
  for (const condition of await failingCodeDeliveries(deps, nowMs)) {
    holding.set(alertKey(condition.tenant, condition.type, null), condition);
  }
  return holding;
}

/** A code given up this recently, with none delivered after it, means shoppers are not getting codes now. */
const CODE_FAILURE_RECENT_MS = 15 * MINUTE;

/** Organizations whose one-time codes are failing to reach people (see `codeDeliveryFailing`). */
async function failingCodeDeliveries(deps: Deps, nowMs: number): Promise<Condition[]> {
  const hourStart = nowMs - (nowMs % (60 * MINUTE));
  const tenants = await codeDeliveriesSince(deps.db, isoAt(hourStart - 60 * MINUTE));
  const failing: Condition[] = [];
  for (const counts of tenants) {
    const { lastFailedAt, lastDeliveredAt } = counts;
    if (!lastFailedAt || nowMs - Date.parse(lastFailedAt) > CODE_FAILURE_RECENT_MS) continue;
    if (lastDeliveredAt && lastDeliveredAt > lastFailedAt) continue;
    const rule = (await alertRules(deps, counts.organizationId)).codeDeliveryFailing;
    if (!rule.enabled || counts.failed < rule.minFailures) continue;
    failing.push({
      tenant: { organizationId: counts.organizationId, mode: counts.mode },
      type: "code_delivery_failing",
      keyId: null,
      details: { failed: counts.failed, delivered: counts.delivered, lastFailedAt, lastDeliveredAt },
    });
  }
  return failing;
}

const alertKey = (tenant: TenantScope, type: AlertType, keyId: string | null) =>
  `${tenant.organizationId}|${tenant.mode}|${type}|${keyId ?? ""}`;

/**
 * One evaluation of every rule for every key. Hysteresis: a holding condition opens an alert
 * only if none is open (the database allows one open alert per rule and key), and a new alert
 * cannot fire until the open one has cleared. Opening and clearing each send a webhook event,
 * from exactly one process.
 */
export async function evaluateAlerts(deps: Deps): Promise<{ fired: number; resolved: number }> {
  const nowMs = deps.clock.now();
  const now = isoAt(nowMs);
  const holding = await conditionsNow(deps, nowMs);
  const open = new Map(
    (await openAlerts(deps.db)).map((alert) => [alertKey(alert.tenant, alert.type, alert.keyId), alert]),
  );
  let fired = 0;
  let resolved = 0;
  for (const [id, condition] of holding) {
    if (open.has(id)) continue;
    const alert: Alert = {
      id: newId("alert", nowMs),
      tenant: condition.tenant,
      type: condition.type,
      keyId: condition.keyId,
      status: "open",
      details: condition.details,
      firedAt: now,
      resolvedAt: null,
      acknowledgedAt: null,
      updatedAt: now,
    };
    const opened = await deps.db.kysely.transaction().execute(async (trx) => {
      if (!(await openAlert(trx, alert))) return false;
      await emitEvent(deps, condition.tenant, "alert.fired", alertView(alert), trx);
      return true;
    });
    if (opened) fired++;
  }
  for (const [id, alert] of open) {
    if (holding.has(id)) continue;
    const cleared = await deps.db.kysely.transaction().execute(async (trx) => {
      if (!(await resolveAlert(trx, alert.id, now))) return false;
      const view = alertView({ ...alert, status: "resolved", resolvedAt: now });
      await emitEvent(deps, alert.tenant, "alert.resolved", view, trx);
      return true;
    });
    if (cleared) resolved++;
  }
  return { fired, resolved };
}

export async function requireAlert(deps: Deps, tenant: TenantScope, id: string): Promise<Alert> {
  const alert = await getAlert(deps.db, tenant, id);
  if (!alert) throw errors.resourceNotFound("Alert");
  return alert;
}

/** Acknowledged once, audited once: acknowledging again changes nothing. */
export async function acknowledge(deps: Deps, tenant: TenantScope, actor: Actor, id: string): Promise<Alert> {
  await requireAlert(deps, tenant, id);
  await applyChange(deps, inMode(tenant, actor), async (trx, audit) => {
    if (!(await acknowledgeAlert(trx, tenant, id, isoAt(deps.clock.now()))))
      return { result: undefined, unchanged: true };
    await audit({ action: "alert.acknowledged", targetType: "alert", targetId: id });
    return { result: undefined };
  });
  return requireAlert(deps, tenant, id);
}

export async function alertRules(deps: Deps, organizationId: string) {
  return rulesOf(await storedAlertRules(deps.db, organizationId));
}

/** Alert rules are organization-wide: both modes' keys are judged by them. */
export async function changeAlertRules(deps: Deps, tenant: TenantScope, actor: Actor, patch: AlertRulesPatch) {
  const context = organizationWide(tenant, actor);
  const before = await alertRules(deps, tenant.organizationId);
  const after = merge(before, patch);
  return applyChange(deps, context, async (trx, audit) => {
    await saveAlertRules(trx, tenant.organizationId, JSON.stringify(after), isoAt(deps.clock.now()));
    await audit({
      action: "alert_rules.updated",
      targetType: "organization",
      targetId: tenant.organizationId,
      before,
      after,
    });
    return { result: after, invalidate: [{ type: "organization", organizationId: tenant.organizationId }] };
  });
}
