import { Type } from "typebox";
import { Mode, NullableTimestamp, Page, PageQuery, Timestamp } from "./common.js";

export const AlertType = Type.Union([
  Type.Literal("rate_limit_approaching"),
  Type.Literal("unusual_activity"),
  Type.Literal("error_rate"),
  Type.Literal("unused_key"),
  Type.Literal("rotation_due"),
  Type.Literal("code_delivery_failing"),
]);
export const AlertStatus = Type.Union([Type.Literal("open"), Type.Literal("resolved")]);
export const AlertView = Type.Object({
  id: Type.String(),
  object: Type.Literal("alert"),
  type: AlertType,
  status: AlertStatus,
  keyId: Type.Union([Type.String(), Type.Null()], {
    description: "The key the alert is about; null for an organization-wide alert (code_delivery_failing).",
  }),
  mode: Mode,
  details: Type.Record(Type.String(), Type.Unknown()),
  firedAt: Timestamp,
  resolvedAt: NullableTimestamp,
  acknowledgedAt: NullableTimestamp,
});

const Enabled = Type.Boolean();
const Fraction = Type.Number({ exclusiveMinimum: 0, maximum: 1 });
const Volume = Type.Integer({ minimum: 1, maximum: 10_000_000 });
const Days = Type.Integer({ minimum: 1, maximum: 3650 });

export const AlertRulesSchema = Type.Object({
  rateLimitApproaching: Type.Object({ enabled: Enabled, threshold: Fraction }),
  unusualActivity: Type.Object({
    enabled: Enabled,
    multiplier: Type.Number({ minimum: 1.1, maximum: 1000 }),
    minRequests: Volume,
  }),
  errorRate: Type.Object({ enabled: Enabled, threshold: Fraction, minRequests: Volume }),
  unusedKey: Type.Object({ enabled: Enabled, days: Days }),
  rotationDue: Type.Object({ enabled: Enabled, days: Days }),
  codeDeliveryFailing: Type.Object({ enabled: Enabled, minFailures: Volume }),
});

/** A PUT body: any rule, any of its fields. */
export const AlertRulesChange = Type.Object(
  Object.fromEntries(
    Object.entries(AlertRulesSchema.properties).map(([name, rule]) => [
      name,
      Type.Optional(Type.Partial(rule, { additionalProperties: false })),
    ]),
  ),
  { additionalProperties: false, minProperties: 1 },
);
export const AlertListQuery = Type.Object(
  { ...PageQuery, status: Type.Optional(AlertStatus), type: Type.Optional(AlertType) },
  { additionalProperties: false },
);
export const AlertPage = Page(AlertView);
export const AcknowledgeAlertBody = Type.Object({ acknowledged: Type.Literal(true) }, { additionalProperties: false });
