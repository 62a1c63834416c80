import { Type } from "typebox";
import { Deleted, NullableTimestamp, Timestamp } from "./common.js";

export const QueueStatus = Type.Union([Type.Literal("PENDING"), Type.Literal("OPEN"), Type.Literal("CLOSED")]);
const ConsumerCount = Type.Integer({ description: "Consumers holding a place: waiting or admitted" });

export const QueueView = Type.Object({
  id: Type.String(),
  object: Type.Literal("queue"),
  experienceId: Type.String(),
  name: Type.String(),
  capacity: Type.Union([Type.Integer(), Type.Null()]),
  openAt: NullableTimestamp,
  closeAt: NullableTimestamp,
  status: QueueStatus,
  statusOverride: Type.Union([Type.Literal("OPEN"), Type.Literal("CLOSED"), Type.Null()]),
  admissionTtlSeconds: Type.Integer(),
  consumerCount: ConsumerCount,
  createdAt: Timestamp,
  updatedAt: Timestamp,
});

/** What a browser may see with a publishable key. */
export const QueuePublicView = Type.Object({
  id: Type.String(),
  object: Type.Literal("queue"),
  experienceId: Type.String(),
  name: Type.String(),
  capacity: Type.Union([Type.Integer(), Type.Null()]),
  openAt: NullableTimestamp,
  closeAt: NullableTimestamp,
  status: QueueStatus,
  consumerCount: ConsumerCount,
});

const Fields = {
  capacity: Type.Optional(Type.Union([Type.Integer({ minimum: 1, maximum: 10_000_000 }), Type.Null()])),
  openAt: Type.Optional(NullableTimestamp),
  closeAt: Type.Optional(NullableTimestamp),
  status: Type.Optional(
    Type.Union([Type.Literal("OPEN"), Type.Literal("CLOSED"), Type.Null()], {
      description: "Manual override of the window; null follows openAt/closeAt",
    }),
  ),
  admissionTtlSeconds: Type.Optional(Type.Integer({ minimum: 60, maximum: 86_400 })),
};
export const CreateQueueBody = Type.Object(
  { name: Type.String({ minLength: 1, maxLength: 200 }), ...Fields },
  { additionalProperties: false },
);
export const UpdateQueueBody = Type.Object(
  { name: Type.Optional(Type.String({ minLength: 1, maxLength: 200 })), ...Fields },
  { additionalProperties: false, minProperties: 1 },
);

export const EntryStatus = Type.Union([
  Type.Literal("QUEUED"),
  Type.Literal("ADMITTED"),
  Type.Literal("COMPLETED"),
  Type.Literal("DENIED"),
  Type.Literal("LEFT"),
  Type.Literal("EXPIRED"),
]);
export const DenyReason = Type.Union([
  Type.Literal("ORDER_LIMIT_EXCEEDED"),
  Type.Literal("FRAUD_DETECTED"),
  Type.Literal("ADMIN_ACTION"),
]);

/** A consumer's place in a queue. */
export const QueueConsumerState = Type.Object({
  queueId: Type.String(),
  consumerId: Type.String(),
  status: EntryStatus,
  position: Type.Union([Type.Integer(), Type.Null()]),
  enteredAt: Timestamp,
  admittedAt: NullableTimestamp,
  admissionToken: Type.Union([Type.String(), Type.Null()]),
  admissionExpiresAt: NullableTimestamp,
  denyReason: Type.Union([DenyReason, Type.Null()]),
});

export const LeaveResult = Type.Object({
  queueId: Type.String(),
  consumerId: Type.String(),
  status: Type.Literal("LEFT"),
  position: Type.Null(),
});

export const CompleteResult = Type.Object({
  queueId: Type.String(),
  consumerId: Type.String(),
  status: Type.Literal("COMPLETED"),
  completedAt: Timestamp,
});

/** A device fingerprint as sent in `X-Fingerprint` (or a validate body). */
export const FINGERPRINT_PATTERN = "^[A-Za-z0-9_.:-]{1,200}$";

export const MAX_ADMIT_BATCH = 1000;
export const ConsumerIdBody = Type.Object(
  { consumerId: Type.String({ minLength: 1, maxLength: 64 }) },
  { additionalProperties: false },
);
export const AdmitBody = Type.Union([
  ConsumerIdBody,
  Type.Object({ count: Type.Integer({ minimum: 1, maximum: MAX_ADMIT_BATCH }) }, { additionalProperties: false }),
]);
export const AdmitResult = Type.Union([QueueConsumerState, Type.Object({ data: Type.Array(QueueConsumerState) })]);
export const DenyBody = Type.Object(
  { consumerId: Type.String({ minLength: 1, maxLength: 64 }), reason: DenyReason },
  { additionalProperties: false },
);
export const ValidateBody = Type.Object(
  {
    consumerId: Type.String({ minLength: 1, maxLength: 64 }),
    token: Type.String({ minLength: 1, maxLength: 4096 }),
    fingerprint: Type.Optional(Type.String({ pattern: FINGERPRINT_PATTERN })),
  },
  { additionalProperties: false },
);
/** A valid admission token: the answer is `true` (an invalid one is 403 `invalid_admission`). */
export const AdmissionValid = Type.Literal(true);
export const QueueList = Type.Object({ data: Type.Array(QueueView) });
export const DeletedQueue = Deleted("queue");
