import nodemailer from "nodemailer";
import type { Logger } from "pino";
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

function text(message: OtpMessage): string {
  return `${message.code} is your ${message.organizationName} verification code. It expires in 10 minutes.`;
}

/** No server-wide provider: only organizations with their own webhook can send codes. */
export function noDelivery(logger: Logger): OtpDelivery {
  return {
    name: "none",
    async send(message) {
      logger.error(
        { channel: message.channel },
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
export function smtpDelivery(url: string, from: string, logger: Logger): OtpDelivery {
  const transport = nodemailer.createTransport(url);
  return {
    name: "smtp",
    async send(message) {
      if (message.channel !== "email") {
        logger.error({ channel: message.channel }, "the smtp provider cannot send SMS: configure the webhook provider");
        return;
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
