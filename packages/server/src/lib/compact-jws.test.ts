import { generateKeyPairSync } from "node:crypto";
import { jwtVerify, SignJWT } from "jose";
import { describe, expect, it } from "vitest";
import { parseJws, signEdDsaJwt, signedWithEdDsa } from "./compact-jws.js";

describe("signEdDsaJwt", () => {
  const { privateKey, publicKey } = generateKeyPairSync("ed25519");
  const payload = {
    consumerId: "cons_1",
    iss: "fanfare",
    aud: "org_1",
    jti: "jwt_1",
    iat: 1_700_000_000,
    exp: 4_000_000_000,
  };

  it("writes the same bytes as jose for the same header and claims (Ed25519 is deterministic)", async () => {
    const ours = signEdDsaJwt({ typ: "JWT", kid: "k1" }, payload, privateKey);
    const jose = await new SignJWT({ consumerId: "cons_1" })
      .setProtectedHeader({ alg: "EdDSA", typ: "JWT", kid: "k1" })
      .setIssuer("fanfare")
      .setAudience("org_1")
      .setJti("jwt_1")
      .setIssuedAt(1_700_000_000)
      .setExpirationTime(4_000_000_000)
      .sign(privateKey);
    expect(ours).toBe(jose);
  });

  it("verifies with jose, and a changed payload does not", async () => {
    const token = signEdDsaJwt({ typ: "JWT", kid: "k1" }, payload, privateKey);
    const { payload: verified, protectedHeader } = await jwtVerify(token, publicKey, { algorithms: ["EdDSA"] });
    expect(verified).toEqual(payload);
    expect(protectedHeader).toEqual({ alg: "EdDSA", typ: "JWT", kid: "k1" });
    const [header, , signature] = token.split(".");
    const forged = `${header}.${Buffer.from(JSON.stringify({ ...payload, aud: "org_2" })).toString("base64url")}.${signature}`;
    await expect(jwtVerify(forged, publicKey)).rejects.toThrow();
  });
});

describe("signedWithEdDsa", () => {
  const { privateKey, publicKey } = generateKeyPairSync("ed25519");
  const other = generateKeyPairSync("ed25519");
  const token = signEdDsaJwt({ typ: "at+jwt", kid: "k1" }, { sub: "cons_1", exp: 4_000_000_000 }, privateKey);
  const [header, payload, signature] = token.split(".") as [string, string, string];
  const parsed = (text: string) => parseJws(text) ?? expect.unreachable("a well-formed JWS");

  it("accepts the signer's token by verifying, and by signing again with the private half", () => {
    expect(signedWithEdDsa(parsed(token), publicKey)).toBe(true);
    expect(signedWithEdDsa(parsed(token), publicKey, privateKey)).toBe(true);
  });

  it("refuses a changed payload, a changed signature and another key's private half, either way", () => {
    const changedPayload = `${header}.${Buffer.from('{"sub":"cons_2","exp":4000000000}').toString("base64url")}.${signature}`;
    const bytes = Buffer.from(signature, "base64url");
    bytes[10] = (bytes[10] ?? 0) ^ 1;
    const changedSignature = `${header}.${payload}.${bytes.toString("base64url")}`;
    for (const forged of [changedPayload, changedSignature]) {
      expect(signedWithEdDsa(parsed(forged), publicKey)).toBe(false);
      expect(signedWithEdDsa(parsed(forged), publicKey, privateKey)).toBe(false);
    }
    expect(signedWithEdDsa(parsed(token), publicKey, other.privateKey)).toBe(false);
    expect(signedWithEdDsa(parsed(token), other.publicKey)).toBe(false);
  });
});
