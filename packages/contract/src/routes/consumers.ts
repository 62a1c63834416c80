import { route } from "../route.js";

const tags = ["Consumers"];
const read = { api: "admin", auth: { kind: "secret", scope: "read:consumers" }, tags } as const;
const write = { api: "admin", auth: { kind: "secret", scope: "write:consumers" }, tags } as const;

/** The merchant's shoppers (admin API), and the signed-in consumer's own profile (consumer API). */
export const listConsumers = route({
  ...read,
  method: "GET",
  path: "/consumers",
  summary: "List consumers, or find one by email or phone",
  query: "ConsumerListQuery",
  responses: { 200: "ConsumerPage" },
});

export const getConsumer = route({
  ...read,
  method: "GET",
  path: "/consumers/:id",
  summary: "Get a consumer",
  params: "IdParams",
  responses: { 200: "ConsumerView" },
  errors: ["consumer_not_found"],
});

export const signOutConsumer = route({
  ...write,
  method: "POST",
  path: "/consumers/:id/sessions/revoke",
  summary: "Sign the consumer out everywhere",
  params: "IdParams",
  responses: { 200: "RevokeSessionsResult" },
  errors: ["consumer_not_found"],
  revokes: true,
});

export const eraseConsumer = route({
  ...write,
  method: "DELETE",
  path: "/consumers/:id",
  summary: "Erase the consumer's personal data (counts are kept, anonymised)",
  params: "IdParams",
  responses: { 200: "DeletedConsumer" },
  errors: ["consumer_not_found"],
});

export const getMe = route({
  api: "consumer",
  auth: { kind: "consumer" },
  tags,
  method: "GET",
  path: "/consumers/me",
  summary: "The signed-in consumer, with the queues they are in",
  responses: { 200: "ConsumerMe" },
});
