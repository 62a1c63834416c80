import { route } from "../route.js";

const tags = ["Queue participation"];
const consumer = { api: "consumer", auth: { kind: "consumer" }, tags } as const;
const serverWrite = { api: "consumer", auth: { kind: "secret", scope: "write:experiences" }, tags } as const;
const serverRead = { api: "consumer", auth: { kind: "secret", scope: "read:experiences" }, tags } as const;

/** A consumer's own place in a queue, and the merchant server's control of it (consumer API). */
export const enterQueue = route({
  ...consumer,
  method: "POST",
  path: "/queues/:id/enter",
  summary: "Take a place in the queue (idempotent)",
  params: "IdParams",
  responses: { 200: "QueueConsumerState", 201: "QueueConsumerState" },
  errors: ["queue_not_found", "queue_not_open", "queue_closed", "queue_full", "fingerprint_invalid"],
});

export const leaveQueue = route({
  ...consumer,
  method: "POST",
  path: "/queues/:id/leave",
  summary: "Give up the place",
  params: "IdParams",
  responses: { 200: "LeaveResult" },
  errors: ["queue_not_found", "consumer_not_in_queue", "conflict"],
});

export const queueStatus = route({
  ...consumer,
  method: "GET",
  path: "/queues/:id/status",
  summary: "The consumer's current place",
  params: "IdParams",
  responses: { 200: "QueueConsumerState" },
  errors: ["queue_not_found", "consumer_not_in_queue"],
});

export const admitConsumers = route({
  ...serverWrite,
  method: "POST",
  path: "/queues/:id/admit",
  summary: "Admit one consumer, or the next N in arrival order",
  params: "IdParams",
  body: "AdmitBody",
  responses: { 200: "AdmitResult" },
  errors: ["queue_not_found", "consumer_not_in_queue", "conflict"],
});

export const completeAdmission = route({
  ...serverWrite,
  method: "POST",
  path: "/queues/:id/complete",
  summary: "Record that the admitted consumer finished (the admission token stops working)",
  params: "IdParams",
  body: "ConsumerIdBody",
  responses: { 200: "CompleteResult" },
  errors: ["queue_not_found", "consumer_not_in_queue", "conflict"],
});

export const denyConsumer = route({
  ...serverWrite,
  method: "POST",
  path: "/queues/:id/deny",
  summary: "Refuse a consumer their place or admission",
  params: "IdParams",
  body: "DenyBody",
  responses: { 200: "QueueConsumerState" },
  errors: ["queue_not_found", "consumer_not_in_queue", "conflict"],
});

export const validateAdmission = route({
  ...serverRead,
  method: "POST",
  path: "/queues/:id/validate",
  summary: "Check an admission token at checkout",
  description:
    'Answers `true`, or 403 `{valid:false,error:"invalid_admission"}`. A token bound to a device needs the ' +
    "same fingerprint, in `fingerprint` or the `X-Fingerprint` header.",
  params: "IdParams",
  body: "ValidateBody",
  responses: { 200: "AdmissionValid" },
  errors: ["queue_not_found", "invalid_admission"],
});
