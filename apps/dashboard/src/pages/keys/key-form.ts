import type { SecretScope } from "@fanfare/contract";
import type { CreateKeyBody, Mode } from "../../api/types";

export const EXPIRATIONS = [
  { value: "never", label: "Never", days: null },
  { value: "7d", label: "7 days", days: 7 },
  { value: "30d", label: "30 days", days: 30 },
  { value: "90d", label: "90 days", days: 90 },
  { value: "1y", label: "1 year", days: 365 },
] as const;
export type Expiration = (typeof EXPIRATIONS)[number]["value"];

export interface KeyFormValues {
  name: string;
  type: "publishable" | "secret";
  permissions: SecretScope[];
  expiration: Expiration;
}

export type KeyFormErrors = Partial<Record<"name" | "permissions", string>>;

export const NAME_MAX_LENGTH = 100;

export const INITIAL_KEY_FORM: KeyFormValues = {
  name: "",
  type: "secret",
  permissions: ["admin"],
  expiration: "never",
};

/** The same rules the API applies, checked before sending so the message sits next to the field. */
export function validateKeyForm(values: KeyFormValues): KeyFormErrors {
  const errors: KeyFormErrors = {};
  const name = values.name.trim();
  if (name === "") errors.name = "Enter a name, so you can tell this key apart later.";
  else if (name.length > NAME_MAX_LENGTH) errors.name = `Use at most ${NAME_MAX_LENGTH} characters.`;
  if (values.type === "secret" && values.permissions.length === 0) {
    errors.permissions = "Choose at least one permission for a secret key.";
  }
  return errors;
}

/** The `POST /api-keys` body; permissions only exist on secret keys. */
export function keyFormBody(values: KeyFormValues, mode: Mode, now: Date): CreateKeyBody {
  const body: CreateKeyBody = { name: values.name.trim(), type: values.type, mode };
  if (values.type === "secret") body.permissions = values.permissions;
  const days = EXPIRATIONS.find((option) => option.value === values.expiration)?.days ?? null;
  if (days !== null) body.expiresAt = new Date(now.getTime() + days * 86_400_000).toISOString();
  return body;
}
