import { Type } from "typebox";
import { NullableTimestamp, Timestamp } from "./common.js";
import { DenyReason, QueueConsumerState, QueueStatus } from "./queues.js";

const Count = Type.Integer({ minimum: 0 });

/** What a drop's operator watches: the line's state, its recent pace, and who is next. */
export const QueueLive = Type.Object({
  object: Type.Literal("queue_live"),
  queueId: Type.String(),
  name: Type.String(),
  status: QueueStatus,
  /** Entry paused by an operator (the queue's status override is CLOSED): places held stay held. */
  paused: Type.Boolean(),
  admissionTtlSeconds: Type.Integer(),
  counts: Type.Object({
    waiting: Count,
    admitted: Count,
    completed: Count,
    denied: Count,
    expired: Count,
    left: Count,
  }),
  /** The last five minutes in 10-second buckets, oldest first, the one in progress last. */
  series: Type.Array(Type.Object({ start: Timestamp, arrivals: Count, admissions: Count })),
  /** Per second over the last complete minute. */
  perSecond: Type.Object({ arrivals: Type.Number(), admissions: Type.Number() }),
  /** Time to answer `POST /queues/:id/enter` over the last five minutes (null without entries). */
  enterMs: Type.Object({
    p50: Type.Union([Type.Number(), Type.Null()]),
    p99: Type.Union([Type.Number(), Type.Null()]),
  }),
  /** Enters refused by a rate limit (429) over the last five minutes. */
  rateLimited: Count,
  /** The next shoppers in line, contact details masked. */
  nextInLine: Type.Array(
    Type.Object({
      position: Type.Integer({ minimum: 1 }),
      consumerId: Type.String(),
      contact: Type.Union([Type.String(), Type.Null()], { description: "Masked email or phone; null for a guest" }),
      enteredAt: Timestamp,
    }),
  ),
  at: Timestamp,
});

export const AdmitNextBody = Type.Object(
  { count: Type.Integer({ minimum: 1, maximum: 1000 }) },
  { additionalProperties: false },
);
export const AdmittedList = Type.Object({ data: Type.Array(QueueConsumerState) });
export const OperatorDenyBody = Type.Object(
  { consumerId: Type.String({ minLength: 1, maxLength: 64 }), reason: Type.Optional(DenyReason) },
  { additionalProperties: false },
);
export const ExtendAdmissionsBody = Type.Object(
  { seconds: Type.Integer({ minimum: 60, maximum: 3600, description: "Added to every admission still running" }) },
  { additionalProperties: false },
);
export const ExtendedAdmissions = Type.Object({
  extended: Count,
  /** The latest expiry among the admissions extended (null when none was running). */
  latestExpiresAt: NullableTimestamp,
});
