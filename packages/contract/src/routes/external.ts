import { route } from "../route.js";

const tags = ["Consumer authentication"];

/** Sign-in with the merchant's own login, through a one-time exchange code (consumer API). */
export const authorizeExternal = route({
  api: "consumer",
  auth: { kind: "secret", scope: "write:consumers" },
  tags,
  method: "POST",
  path: "/auth/external/authorize",
  summary: "Sign in one of the merchant's customers: an exchange code for the browser",
  body: "ExternalAuthorizeBody",
  responses: { 200: "ExternalAuthorizeResult" },
});

export const exchangeExternalCode = route({
  api: "consumer",
  auth: { kind: "publishable" },
  tags,
  method: "POST",
  path: "/auth/external/exchange",
  summary: "Redeem an exchange code for a session",
  body: "ExternalExchangeBody",
  responses: { 200: "SessionEnvelope" },
  errors: ["invalid_exchange_code", "exchange_code_expired"],
});
