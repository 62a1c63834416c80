import nodemailer from "nodemailer";
import type { OtpChannel } from "../../db/schema.js";
import { type OutboundClient, OutboundError } from "../../lib/outbound/outbound-client.js";
import { signWebhook } from "../../lib/webhook-signature.js";

export interface OtpMessage {
  to: string;
  channel: OtpChannel;
  code: string;
  organizationName: string;
}

/** Sends codes to people. Chosen once in deps from configuration. */
export interface OtpDelivery {
  readonly name: string;
  send(message: OtpMessage): Promise<void>;
}

/** A code that no retry can deliver (no provider, or a channel the provider cannot send). */
export class UndeliverableCode extends Error {
  constructor(reason: string) {
    super(reason);
    this.name = "UndeliverableCode";
  }
}

/**
 * Whether another attempt may succeed: a timeout, a refused or dropped connection, a 5xx or 429
 * from a webhook, a 4xx SMTP reply ("try again later"). Not: an address our policy refuses, any
 * other HTTP status, a 5xx SMTP reply (the server refused the message), an undeliverable code.
 */
export function isTransientDeliveryFailure(err: unknown): boolean {
  if (err instanceof UndeliverableCode) return false;
  if (err instanceof OutboundError) {
    const { failure, status } = err.result;
    if (failure === "refused_address") return false;
    return failure !== "http_status" || status === null || status === 429 || status >= 500;
  }
  const smtpReply = (err as { responseCode?: unknown } | null)?.responseCode;
  return typeof smtpReply !== "number" || smtpReply < 500;
}

/**
 * What a log line may say of a failed delivery: the kind of failure and the provider's status,
 * never the provider's own words, which quote the recipient ("550 <shopper@example.com>: …").
 */
export function describeDeliveryFailure(err: unknown): Record<string, string | number | null> {
  if (err instanceof UndeliverableCode) return { failure: "undeliverable", reason: err.message };
  if (err instanceof OutboundError) return { failure: err.result.failure, status: err.result.status };
  const { name, code, responseCode, command } = (err ?? {}) as Record<string, unknown>;
  return {
    failure: typeof responseCode === "number" ? "smtp_reply" : String(name ?? "error"),
    status: typeof responseCode === "number" ? responseCode : null,
    smtpCommand: typeof command === "string" ? command : null,
    errorCode: typeof code === "string" ? code : null,
  };
}

function text(message: OtpMessage): string {
  return `${message.code} is your ${message.organizationName} verification code. It expires in 10 minutes.`;
}

/** No server-wide provider: only organizations with their own webhook can send codes. */
export function noDelivery(): OtpDelivery {
  return {
    name: "none",
    async send() {
      throw new UndeliverableCode(
        "no code delivery configured: set FANFARE_OTP_DELIVERY or the organization's otpWebhookUrl",
      );
    },
  };
}

/**
 * Development: the code is printed on the terminal (stderr), outside the structured log, so a
 * developer can sign in without a mail server. Never used unless configured or in development.
 */
export function consoleDelivery(): OtpDelivery {
  return {
    name: "console",
    async send(message) {
      process.stderr.write(`[fanfare] ${message.channel} to ${message.to}: ${text(message)}\n`);
    },
  };
}

/** Email through SMTP (nodemailer). SMS needs the webhook provider. */
export function smtpDelivery(url: string, from: string): OtpDelivery {
  const transport = nodemailer.createTransport(url);
  return {
    name: "smtp",
    async send(message) {
      if (message.channel !== "email") {
        throw new UndeliverableCode("the smtp provider cannot send SMS: configure the webhook provider");
      }
      await transport.sendMail({
        from,
        to: message.to,
        subject: `Your ${message.organizationName} verification code`,
        text: text(message),
      });
    },
  };
}

/**
 * POSTs the message to a merchant URL: the way to plug in any SMS or email gateway. With a
 * secret, each request is signed (X-Fanfare-Timestamp, X-Fanfare-Signature) so the receiver
 * can tell it came from us.
 */
export function webhookDelivery(url: string, outbound: OutboundClient, secret?: string): OtpDelivery {
  return {
    name: "webhook",
    async send(message) {
      const body = JSON.stringify({ type: "otp.requested", ...message, text: text(message) });
      const timestamp = Math.floor(Date.now() / 1000);
      const headers: Record<string, string> = { "content-type": "application/json" };
      if (secret) {
        headers["x-fanfare-timestamp"] = String(timestamp);
        headers["x-fanfare-signature"] = signWebhook(secret, timestamp, body);
      }
      const result = await outbound.post(url, { headers, body, timeoutMs: 10_000 });
      if (!result.ok) throw new OutboundError(result);
    },
  };
}
