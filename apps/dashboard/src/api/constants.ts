import type { MemberRole, SecretScope, WebhookEvent } from "@fanfare/contract";

/**
 * The contract's value lists, repeated so the bundle does not carry TypeBox (about 90 kB) for
 * three arrays. `exactly` makes the type check fail when the contract gains or loses a value.
 */
function exactly<T extends string>() {
  return <const A extends readonly T[]>(values: A & ([T] extends [A[number]] ? unknown : never)): A => values;
}

export const SECRET_SCOPES = exactly<SecretScope>()([
  "read:experiences",
  "write:experiences",
  "read:consumers",
  "write:consumers",
  "read:analytics",
  "admin",
]);

export const WEBHOOK_EVENTS = exactly<WebhookEvent>()(["alert.fired", "alert.resolved"]);

export const MEMBER_ROLES = exactly<MemberRole>()(["owner", "admin", "editor", "viewer"]);
