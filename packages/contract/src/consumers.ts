import { Type } from "typebox";
import { NullableString, Timestamp } from "./common.js";
import { QueueConsumerState } from "./queues.js";

export const ConsumerView = Type.Object({
  id: Type.String(),
  object: Type.Literal("consumer"),
  type: Type.Union([Type.Literal("guest"), Type.Literal("consumer")]),
  email: NullableString,
  phone: NullableString,
  fullName: NullableString,
  name: NullableString,
  upgradedTo: Type.Union([Type.String(), Type.Null()], { description: "The consumer a signed-in guest became" }),
  createdAt: Timestamp,
  updatedAt: Timestamp,
});

/** `GET /consumers/me`: the signed-in consumer and the places they hold. */
export const ConsumerMe = Type.Object({
  id: Type.String(),
  isGuest: Type.Boolean(),
  email: NullableString,
  phone: NullableString,
  fullName: NullableString,
  createdAt: Timestamp,
  active: Type.Object({ queues: Type.Array(QueueConsumerState) }),
});

export const RevokeSessionsResult = Type.Object({ consumerId: Type.String(), revokedSessions: Type.Integer() });
