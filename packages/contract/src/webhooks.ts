import { Type } from "typebox";
import { Deleted, Mode, NullableTimestamp, Timestamp } from "./common.js";

export const WEBHOOK_EVENTS = ["alert.fired", "alert.resolved"] as const;
export type WebhookEvent = (typeof WEBHOOK_EVENTS)[number];

export const WebhookEventType = Type.Union([Type.Literal("alert.fired"), Type.Literal("alert.resolved")]);

const EndpointFields = {
  id: Type.String(),
  object: Type.Literal("webhook_endpoint"),
  url: Type.String(),
  description: Type.Union([Type.String(), Type.Null()]),
  events: Type.Array(Type.String()),
  mode: Mode,
  createdAt: Timestamp,
};
export const WebhookEndpointView = Type.Object(EndpointFields);
/** The create response: the only time the signing secret appears. */
export const WebhookEndpointWithSecret = Type.Object({ ...EndpointFields, secret: Type.String() });

export const CreateWebhookEndpointBody = Type.Object(
  {
    url: Type.String({ minLength: 1, maxLength: 2000 }),
    events: Type.Array(WebhookEventType, { minItems: 1 }),
    description: Type.Optional(Type.String({ maxLength: 200 })),
  },
  { additionalProperties: false },
);

export const WebhookDeliveryView = Type.Object({
  id: Type.String(),
  eventId: Type.String(),
  type: Type.String(),
  status: Type.Union([Type.Literal("pending"), Type.Literal("succeeded"), Type.Literal("failed")]),
  attempts: Type.Integer(),
  nextAttemptAt: NullableTimestamp,
  lastStatusCode: Type.Union([Type.Integer(), Type.Null()]),
  lastError: Type.Union([Type.String(), Type.Null()]),
  createdAt: Timestamp,
});
export const WebhookEndpointList = Type.Object({ data: Type.Array(WebhookEndpointView) });
export const WebhookDeliveryList = Type.Object({ data: Type.Array(WebhookDeliveryView) });
export const DeletedWebhookEndpoint = Deleted("webhook_endpoint");
