import { route } from "../route.js";

const tags = ["Queues"];
const read = { api: "admin", auth: { kind: "secret", scope: "read:experiences" }, tags } as const;
const write = { api: "admin", auth: { kind: "secret", scope: "write:experiences" }, tags } as const;

/** Queues of an experience (admin API), and a queue's public view (consumer API). */
export const createQueue = route({
  ...write,
  method: "POST",
  path: "/experiences/:id/queues",
  summary: "Create a queue in an experience",
  params: "IdParams",
  body: "CreateQueueBody",
  responses: { 201: "QueueView" },
  errors: ["experience_not_found"],
});

export const listQueues = route({
  ...read,
  method: "GET",
  path: "/experiences/:id/queues",
  summary: "List an experience's queues",
  params: "IdParams",
  responses: { 200: "QueueList" },
  errors: ["experience_not_found"],
});

export const getQueue = route({
  ...read,
  method: "GET",
  path: "/queues/:id",
  summary: "Get a queue with its counters",
  params: "IdParams",
  responses: { 200: "QueueView" },
  errors: ["queue_not_found"],
});

export const updateQueue = route({
  ...write,
  method: "PATCH",
  path: "/queues/:id",
  summary: "Change a queue",
  params: "IdParams",
  body: "UpdateQueueBody",
  responses: { 200: "QueueView" },
  errors: ["queue_not_found"],
});

export const deleteQueue = route({
  ...write,
  method: "DELETE",
  path: "/queues/:id",
  summary: "Delete a queue and its entries",
  params: "IdParams",
  responses: { 200: "DeletedQueue" },
  errors: ["queue_not_found"],
});

export const getPublicQueue = route({
  api: "consumer",
  auth: { kind: "publishable" },
  tags,
  method: "GET",
  path: "/queues/:id",
  summary: "A queue's public view: whether it is open, and how many hold a place",
  params: "IdParams",
  responses: { 200: "QueuePublicView" },
});
