import { type KeyObject, sign } from "node:crypto";

/**
 * Signs a JWT (RFC 7515 compact serialisation, EdDSA over Ed25519) synchronously with
 * node:crypto. jose signs through WebCrypto, an asynchronous job on the thread pool per token;
 * profiled on the guest-session path, the job and its promise cost more than the ~30 µs
 * signature. Verification stays with jose's `jwtVerify`, which checks everything this writes.
 */
export function signEdDsaJwt(
  header: { typ: string; kid: string },
  payload: Record<string, unknown>,
  privateKey: KeyObject,
): string {
  const input = `${base64url({ alg: "EdDSA", ...header })}.${base64url(payload)}`;
  return `${input}.${sign(null, Buffer.from(input), privateKey).toString("base64url")}`;
}

function base64url(value: object): string {
  return Buffer.from(JSON.stringify(value)).toString("base64url");
}
