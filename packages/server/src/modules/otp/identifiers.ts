import { type CountryCode, parsePhoneNumberFromString } from "libphonenumber-js";
import type { OtpChannel } from "../../db/schema.js";
import { AppError } from "../../http/errors.js";

export interface Identifier {
  /** Normalised: email with a lowercase domain, or a phone number in E.164. */
  value: string;
  channel: OtpChannel;
  /** For phones: the ISO country the number belongs to. */
  country?: string;
}

export const invalidPhone = () =>
  new AppError(400, {
    error: "invalid_phone",
    message:
      "This phone number could not be understood. Use the international format (+12025551234) or set defaultCountry.",
  });

export const identifierRequired = () =>
  new AppError(400, {
    error: "validation_error",
    message: "Invalid request: send either email or phone.",
    issues: [{ path: "body", message: "must contain exactly one of email or phone" }],
  });

const EMAIL = /^[^\s@]+@[^\s@]+\.[^\s@]+$/;

export function normalizeEmail(email: string): string {
  const trimmed = email.trim();
  const at = trimmed.lastIndexOf("@");
  return `${trimmed.slice(0, at)}@${trimmed.slice(at + 1).toLowerCase()}`;
}

/** One identifier from `{email}` or `{phone, defaultCountry?}`; phones parsed with libphonenumber. */
export function identifierFrom(body: { email?: string; phone?: string; defaultCountry?: string }): Identifier {
  if ((body.email === undefined) === (body.phone === undefined)) throw identifierRequired();
  if (body.email !== undefined) {
    const email = normalizeEmail(body.email);
    if (!EMAIL.test(email)) {
      throw new AppError(400, {
        error: "validation_error",
        message: "Invalid request: body.email must be a valid email.",
        issues: [{ path: "body.email", message: "must be a valid email" }],
      });
    }
    return { value: email, channel: "email" };
  }
  const parsed = parsePhoneNumberFromString(body.phone ?? "", body.defaultCountry as CountryCode | undefined);
  if (!parsed?.isValid()) throw invalidPhone();
  return { value: parsed.number, channel: "sms", ...(parsed.country ? { country: parsed.country } : {}) };
}
