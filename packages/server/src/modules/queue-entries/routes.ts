import {
  AdmitBody,
  AdmitResult,
  CompleteResult,
  ConsumerIdBody,
  DenyBody,
  FINGERPRINT_PATTERN,
  IdParams,
  LeaveResult,
  QueueConsumerState,
  ValidateBody,
} from "@fanfare/contract";
import type { FastifyPluginAsyncTypebox } from "@fastify/type-provider-typebox";
import type { FastifyRequest } from "fastify";
import { Type } from "typebox";
import type { Deps } from "../../deps.js";
import { AppError } from "../../http/errors.js";
import { authOf, consumerOf } from "../access/index.js";
import {
  admitConsumer,
  admitNext,
  completeAdmission,
  denyConsumer,
  enterQueue,
  entryState,
  leaveQueue,
  validateAdmission,
} from "./service.js";

const fingerprintInvalid = () =>
  new AppError(
    "fingerprint_invalid",
    {
      code: "FP003",
      message: "X-Fingerprint must be 1–200 letters, digits, '_', '-', '.' or ':'.",
    },
    { "x-fingerprint-error": "true" },
  );

const FINGERPRINT = new RegExp(FINGERPRINT_PATTERN);

/** The optional device fingerprint a browser sends with `X-Fingerprint`. */
function fingerprintOf(request: FastifyRequest): string | null {
  const header = request.headers["x-fingerprint"];
  if (header === undefined) return null;
  if (typeof header !== "string" || !FINGERPRINT.test(header)) throw fingerprintInvalid();
  return header;
}

const tags = ["Queue participation"];
const consumerAuth = { auth: { kind: "consumer" } } as const;
const serverWrite = { auth: { kind: "secret", scope: "write:experiences" } } as const;
const serverRead = { auth: { kind: "secret", scope: "read:experiences" } } as const;

/** Consumer API: a consumer's own place in a queue, and the merchant server's control of it. */
export function queueEntryRoutes(deps: Deps): FastifyPluginAsyncTypebox {
  return async (app) => {
    app.post(
      "/queues/:id/enter",
      {
        config: {
          ...consumerAuth,
          errors: ["queue_not_found", "queue_not_open", "queue_closed", "queue_full", "fingerprint_invalid"] as const,
        },
        schema: {
          tags,
          summary: "Take a place in the queue (idempotent)",
          params: IdParams,
          response: { 200: QueueConsumerState, 201: QueueConsumerState },
        },
      },
      async (request, reply) => {
        const { tenant } = authOf(request);
        const fingerprint = fingerprintOf(request);
        const consumer = consumerOf(request);
        const { state, created } = await enterQueue(deps, tenant, request.params.id, consumer.consumerId, fingerprint);
        return reply.code(created ? 201 : 200).send(state);
      },
    );

    app.post(
      "/queues/:id/leave",
      {
        config: { ...consumerAuth, errors: ["queue_not_found", "consumer_not_in_queue", "conflict"] as const },
        schema: {
          tags,
          summary: "Give up the place",
          params: IdParams,
          response: { 200: LeaveResult },
        },
      },
      async (request) => leaveQueue(deps, authOf(request).tenant, request.params.id, consumerOf(request).consumerId),
    );

    app.get(
      "/queues/:id/status",
      {
        config: { ...consumerAuth, errors: ["queue_not_found", "consumer_not_in_queue"] as const },
        schema: {
          tags,
          summary: "The consumer's current place",
          params: IdParams,
          response: { 200: QueueConsumerState },
        },
      },
      async (request) => entryState(deps, authOf(request).tenant, request.params.id, consumerOf(request).consumerId),
    );

    app.post(
      "/queues/:id/admit",
      {
        config: { ...serverWrite, errors: ["queue_not_found", "consumer_not_in_queue", "conflict"] as const },
        schema: {
          tags,
          summary: "Admit one consumer, or the next N in arrival order",
          params: IdParams,
          body: AdmitBody,
          response: { 200: AdmitResult },
        },
      },
      async (request) => {
        const { tenant } = authOf(request);
        const { body } = request;
        if ("consumerId" in body) return admitConsumer(deps, tenant, request.params.id, body.consumerId);
        return { data: await admitNext(deps, tenant, request.params.id, body.count) };
      },
    );

    app.post(
      "/queues/:id/complete",
      {
        config: { ...serverWrite, errors: ["queue_not_found", "consumer_not_in_queue", "conflict"] as const },
        schema: {
          tags,
          summary: "Record that the admitted consumer finished (the admission token stops working)",
          params: IdParams,
          body: ConsumerIdBody,
          response: { 200: CompleteResult },
        },
      },
      async (request) => completeAdmission(deps, authOf(request).tenant, request.params.id, request.body.consumerId),
    );

    app.post(
      "/queues/:id/deny",
      {
        config: { ...serverWrite, errors: ["queue_not_found", "consumer_not_in_queue", "conflict"] as const },
        schema: {
          tags,
          summary: "Refuse a consumer their place or admission",
          params: IdParams,
          body: DenyBody,
          response: { 200: QueueConsumerState },
        },
      },
      async (request) =>
        denyConsumer(deps, authOf(request).tenant, request.params.id, request.body.consumerId, request.body.reason),
    );

    app.post(
      "/queues/:id/validate",
      {
        config: { ...serverRead, errors: ["queue_not_found", "invalid_admission"] as const },
        schema: {
          tags,
          summary: "Check an admission token at checkout",
          description:
            'Answers `true`, or 403 `{valid:false,error:"invalid_admission"}`. A token bound to a device needs the ' +
            "same fingerprint, in `fingerprint` or the `X-Fingerprint` header.",
          params: IdParams,
          body: ValidateBody,
          response: { 200: Type.Literal(true) },
        },
      },
      async (request) => {
        const { consumerId, token } = request.body;
        const fingerprint = request.body.fingerprint ?? fingerprintOf(request);
        await validateAdmission(deps, authOf(request).tenant, request.params.id, { consumerId, token, fingerprint });
        return true as const;
      },
    );
  };
}
