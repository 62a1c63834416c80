import { Type } from "typebox";
import { NullableTimestamp, Timestamp } from "./common.js";

const Counts = {
  requests: Type.Integer(),
  successes: Type.Integer({ description: "Status below 400" }),
  clientErrors: Type.Integer({ description: "Status 400–499, except rate limiting" }),
  serverErrors: Type.Integer({ description: "Status 500 and above" }),
  rateLimited: Type.Integer({ description: "Refused by a rate limit (429)" }),
};
const Rates = {
  successRate: Type.Union([Type.Number(), Type.Null()], { description: "0–1; null without requests" }),
  errorRate: Type.Union([Type.Number(), Type.Null()], { description: "0–1: every request that did not succeed" }),
};
const Range = {
  from: Timestamp,
  to: Timestamp,
  interval: Type.Union([Type.Literal("minute"), Type.Literal("hour"), Type.Literal("day")]),
};
const Series = Type.Array(Type.Object({ start: Timestamp, ...Counts }));

export const UsageQuery = Type.Object(
  {
    from: Type.Optional(Type.String({ format: "date-time", description: "Default: 24 hours before `to`" })),
    to: Type.Optional(Type.String({ format: "date-time", description: "Default: now" })),
    interval: Type.Optional(Range.interval),
  },
  { additionalProperties: false },
);

export const KeyUsage = Type.Object({
  object: Type.Literal("api_key_usage"),
  keyId: Type.String(),
  ...Range,
  totals: Type.Object({ ...Counts, ...Rates, lastUsedAt: NullableTimestamp }),
  series: Series,
  rateLimit: Type.Object(
    {
      limitPerMinute: Type.Integer({ description: "The plan's limit for this key (per client for publishable keys)" }),
      usedThisMinute: Type.Integer({
        description: "Requests counted in the current minute, across processes once flushed",
      }),
      resetsAt: Timestamp,
    },
    { description: "Consumption of the plan's per-minute limit in the current minute" },
  ),
});

export const OrganizationUsage = Type.Object({
  object: Type.Literal("usage"),
  ...Range,
  totals: Type.Object({ ...Counts, ...Rates }),
  series: Series,
  codeDeliveries: Type.Object(
    {
      delivered: Type.Integer({ description: "Codes handed to the provider (SMTP server or code webhook)" }),
      failed: Type.Integer({ description: "Codes given up after their retries: the shopper got nothing" }),
      lastDeliveredAt: NullableTimestamp,
      lastFailedAt: NullableTimestamp,
    },
    {
      description:
        "One-time codes sent to shoppers in live mode, counted by the hour: the hours that start in the range, and the one it starts in",
    },
  ),
  keys: Type.Array(
    Type.Object({
      keyId: Type.String(),
      name: Type.Union([Type.String(), Type.Null()]),
      type: Type.Union([Type.Literal("publishable"), Type.Literal("secret"), Type.Null()]),
      lastUsedAt: NullableTimestamp,
      ...Counts,
      ...Rates,
    }),
  ),
});
