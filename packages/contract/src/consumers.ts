import { Type } from "typebox";
import { Deleted, NullableString, Page, PageQuery, Timestamp } from "./common.js";
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
export const ConsumerListQuery = Type.Object(
  {
    ...PageQuery,
    email: Type.Optional(Type.String({ minLength: 3, maxLength: 320, description: "Exact email" })),
    phone: Type.Optional(Type.String({ minLength: 3, maxLength: 32, description: "Phone, E.164 or +country" })),
  },
  { additionalProperties: false },
);
export const ConsumerPage = Page(ConsumerView);
export const DeletedConsumer = Deleted("consumer");
