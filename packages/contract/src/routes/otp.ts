import { route } from "../route.js";

const tags = ["Consumer authentication"];

/** One-time codes by email or SMS (consumer API), and the test-mode outbox (admin API). */
export const requestOtp = route({
  api: "consumer",
  auth: { kind: "publishable" },
  tags,
  method: "POST",
  path: "/auth/otp/request",
  summary: "Send a one-time code by email or SMS",
  body: "OtpRequestBody",
  responses: { 200: "OtpRequestResult" },
  errors: ["invalid_phone", "sms_country_not_allowed"],
});

export const verifyOtp = route({
  api: "consumer",
  auth: { kind: "publishable" },
  tags,
  method: "POST",
  path: "/auth/otp/verify",
  summary: "Sign in with a one-time code (a guest session is upgraded)",
  body: "OtpVerifyBody",
  responses: { 200: "SessionEnvelope" },
  errors: ["otp_invalid", "otp_expired", "invalid_phone", "already_linked"],
});

export const listTestMessages = route({
  api: "admin",
  auth: { kind: "secret", scope: "read:consumers" },
  tags: ["Testing"],
  method: "GET",
  path: "/test/messages",
  summary: "Codes sent in test mode, for automated tests",
  query: "TestOutboxQuery",
  responses: { 200: "TestOutbox" },
});
