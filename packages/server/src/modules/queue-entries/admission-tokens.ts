import { createHash } from "node:crypto";
import { type JWTHeaderParameters, jwtVerify } from "jose";
import type { Mode } from "../../db/schema.js";
import type { Clock } from "../../lib/clock.js";
import { signEdDsaJwt } from "../../lib/compact-jws.js";
import { LruCache } from "../../lib/lru.js";
import { digestsEqual } from "../../lib/secrets.js";
import { TOKEN_ISSUER } from "../tokens/access-tokens.js";
import type { SigningKeyRing } from "../tokens/signing-keys.js";

/** Its own `typ`, so an admission token is never accepted as an access token, nor the reverse. */
const ADMISSION_TYP = "admission+jwt";

/** One admission: a queue entry (by its arrival number) that was let through. */
export interface Admission {
  organizationId: string;
  mode: Mode;
  queueId: string;
  consumerId: string;
  seq: number;
  fingerprint: string | null;
  admittedAtMs: number;
  expiresAtMs: number;
}

interface AdmissionClaims {
  sub: string;
  aud: string;
  queueId: string;
  seq: number;
  mode: Mode;
  /** SHA-256 of the device fingerprint the consumer entered with: the token carries no raw identifier. */
  fph?: string;
}

const fingerprintHash = (fingerprint: string) => createHash("sha256").update(fingerprint).digest("base64url");

/** Tokens signed lately, by key and admission: an admitted shopper polls until checkout. */
const signedAdmissions = new LruCache<string, string>(50_000);

/**
 * Signs an admission. Ed25519 is deterministic and the claims come from the stored entry, so
 * the same admission always yields the same token under the same key: nothing secret is stored,
 * and a token signed before is handed out again instead of signing it on every status poll.
 */
export async function signAdmission(ring: SigningKeyRing, admission: Admission): Promise<string> {
  const { kid, privateKey } = await ring.activeKey();
  const memo = JSON.stringify([
    kid,
    admission.organizationId,
    admission.mode,
    admission.queueId,
    admission.consumerId,
    admission.seq,
    admission.fingerprint,
    admission.admittedAtMs,
    admission.expiresAtMs,
  ]);
  const signed = signedAdmissions.get(memo);
  if (signed) return signed;
  const claims: Omit<AdmissionClaims, "sub" | "aud"> = {
    queueId: admission.queueId,
    seq: admission.seq,
    mode: admission.mode,
    ...(admission.fingerprint ? { fph: fingerprintHash(admission.fingerprint) } : {}),
  };
  const token = signEdDsaJwt(
    { typ: ADMISSION_TYP, kid },
    {
      ...claims,
      iss: TOKEN_ISSUER,
      aud: admission.organizationId,
      sub: admission.consumerId,
      jti: `${admission.queueId}.${admission.seq}`,
      iat: Math.floor(admission.admittedAtMs / 1000),
      exp: Math.floor(admission.expiresAtMs / 1000),
    },
    privateKey,
  );
  signedAdmissions.set(memo, token);
  return token;
}

export interface PresentedAdmission {
  organizationId: string;
  mode: Mode;
  queueId: string;
  consumerId: string;
  fingerprint: string | null;
}

export type AdmissionCheck =
  | { ok: true; seq: number }
  | { ok: false; reason: "invalid" | "wrong_queue" | "wrong_consumer" | "device_mismatch" };

/** Checks signature, expiry (no leeway: access ends on time) and every binding the token carries. */
export async function checkAdmissionToken(
  ring: SigningKeyRing,
  clock: Clock,
  token: string,
  expected: PresentedAdmission,
): Promise<AdmissionCheck> {
  let claims: AdmissionClaims;
  try {
    const { payload } = await jwtVerify(token, (header: JWTHeaderParameters) => ring.verificationKey(header), {
      algorithms: ["EdDSA"],
      issuer: TOKEN_ISSUER,
      audience: expected.organizationId,
      typ: ADMISSION_TYP,
      currentDate: new Date(clock.now()),
      requiredClaims: ["sub", "exp", "iat"],
    });
    if (typeof payload.queueId !== "string" || !Number.isInteger(payload.seq) || payload.mode !== expected.mode) {
      return { ok: false, reason: "invalid" };
    }
    claims = payload as unknown as AdmissionClaims;
  } catch {
    return { ok: false, reason: "invalid" };
  }
  if (claims.queueId !== expected.queueId) return { ok: false, reason: "wrong_queue" };
  if (claims.sub !== expected.consumerId) return { ok: false, reason: "wrong_consumer" };
  if (claims.fph !== undefined) {
    const presented = expected.fingerprint ? fingerprintHash(expected.fingerprint) : "";
    if (!digestsEqual(presented, claims.fph)) return { ok: false, reason: "device_mismatch" };
  }
  return { ok: true, seq: claims.seq };
}
