// The full ("max") metadata: the default bundle cannot tell a mobile number from a premium-rate one.
import { type CountryCode, type NumberType, parsePhoneNumberFromString } from "libphonenumber-js/max";
import type { OtpChannel } from "../../db/schema.js";
import { AppError, errors } from "../../http/errors.js";
import { normalizeEmail } from "../../lib/email.js";

export interface Identifier {
  /** Normalised: email by `normalizeEmail`, or a phone number in E.164. */
  value: string;
  channel: OtpChannel;
  /** For phones: the ISO country the number belongs to. */
  country?: string;
}

export const invalidPhone = () =>
  new AppError("invalid_phone", {
    message:
      "This phone number could not be understood. Use the international format (+12025551234) or set defaultCountry.",
  });

export const identifierRequired = () =>
  new AppError("validation_error", {
    message: "Invalid request: send either email or phone.",
    issues: [{ path: "body", message: "must contain exactly one of email or phone" }],
  });

/**
 * Codes go by SMS to mobiles only: a premium-rate number would bill every code to us and pay its
 * owner, and toll-free, landline or VoIP numbers cannot receive them. Where a country's plan
 * cannot tell mobiles from landlines (US, Canada), the number is given the benefit of the doubt.
 */
const SMS_CAPABLE = new Set<NumberType>(["MOBILE", "FIXED_LINE_OR_MOBILE"]);

const EMAIL = /^[^\s@]+@[^\s@]+\.[^\s@]+$/;

/** One identifier from `{email}` or `{phone, defaultCountry?}`; phones parsed with libphonenumber. */
export function identifierFrom(body: { email?: string; phone?: string; defaultCountry?: string }): Identifier {
  if ((body.email === undefined) === (body.phone === undefined)) throw identifierRequired();
  if (body.email !== undefined) {
    const email = normalizeEmail(body.email);
    if (!EMAIL.test(email)) {
      throw new AppError("validation_error", {
        message: "Invalid request: body.email must be a valid email.",
        issues: [{ path: "body.email", message: "must be a valid email" }],
      });
    }
    return { value: email, channel: "email" };
  }
  const parsed = parsePhoneNumberFromString(body.phone ?? "", body.defaultCountry as CountryCode | undefined);
  if (!parsed?.isValid()) throw invalidPhone();
  const type = parsed.getType();
  if (!SMS_CAPABLE.has(type)) throw errors.phoneNotMobile(type?.toLowerCase() ?? "unknown");
  return { value: parsed.number, channel: "sms", ...(parsed.country ? { country: parsed.country } : {}) };
}
