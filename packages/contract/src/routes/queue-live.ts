import { route } from "../route.js";

const tags = ["Drop control room"];
const read = { api: "admin", auth: { kind: "secret", scope: "read:experiences" }, tags } as const;
const write = { api: "admin", auth: { kind: "secret", scope: "write:experiences" }, tags } as const;

/** A queue watched and steered during a drop (admin API: dashboard members or a secret key). */
export const getQueueLive = route({
  ...read,
  method: "GET",
  path: "/queues/:id/live",
  summary: "The queue's live view: counts, recent pace, enter latency, refusals, the next in line",
  params: "IdParams",
  responses: { 200: "QueueLive" },
  errors: ["queue_not_found"],
});

export const streamQueueLive = route({
  ...read,
  method: "GET",
  path: "/queues/:id/events",
  summary: "The live view as Server-Sent Events: a `snapshot` event every second",
  description:
    "`text/event-stream`. Each `snapshot` event's data is the QueueLive document shown here; a `gone` event " +
    "ends the stream when the queue is deleted, a `revoked` event when the credential that opened it no " +
    "longer holds (key deactivated, deleted or expired; member removed or their role changed; session " +
    "ended). A reader too slow for the stream misses snapshots, never gets them late. Open streams are " +
    "capped per key, member, organization (by plan) and server: beyond, 429 `too_many_streams`. " +
    "Reconnect (EventSource does) or poll `/queues/{id}/live`.",
  params: "IdParams",
  responses: { 200: "QueueLive" },
  stream: true,
  errors: ["queue_not_found", "too_many_streams"],
});

export const admitNextInLine = route({
  ...write,
  method: "POST",
  path: "/queues/:id/live/admit",
  summary: "Admit the next N in line (audited)",
  params: "IdParams",
  body: "AdmitNextBody",
  responses: { 200: "AdmittedList" },
  errors: ["queue_not_found"],
});

export const denyInLine = route({
  ...write,
  method: "POST",
  path: "/queues/:id/live/deny",
  summary: "Deny one consumer their place (audited)",
  params: "IdParams",
  body: "OperatorDenyBody",
  responses: { 200: "QueueConsumerState" },
  errors: ["queue_not_found", "consumer_not_in_queue", "conflict"],
});

export const extendAdmissions = route({
  ...write,
  method: "POST",
  path: "/queues/:id/live/extend",
  summary: "Give every running admission more time (audited)",
  params: "IdParams",
  body: "ExtendAdmissionsBody",
  responses: { 200: "ExtendedAdmissions" },
  errors: ["queue_not_found"],
});
