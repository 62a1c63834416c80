import { Type } from "typebox";
import { OtpIdentity } from "./sessions.js";

/** Schemas of the one-time-code routes. */
export const OtpRequestBody = Type.Object(
  { ...OtpIdentity, name: Type.Optional(Type.String({ maxLength: 200 })) },
  { additionalProperties: false },
);
export const OtpRequestResult = Type.Object({ ok: Type.Boolean() });
export const OtpVerifyBody = Type.Object(
  { ...OtpIdentity, code: Type.String({ pattern: "^[0-9]{6}$", description: "The 6-digit code" }) },
  { additionalProperties: false },
);
export const TestOutboxQuery = Type.Object(
  { to: Type.Optional(Type.String({ maxLength: 320 })) },
  { additionalProperties: false },
);
export const TestOutbox = Type.Object({
  data: Type.Array(
    Type.Object({
      to: Type.String(),
      channel: Type.String(),
      code: Type.String(),
      createdAt: Type.String(),
    }),
  ),
});
