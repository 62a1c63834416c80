import { X509Certificate } from "node:crypto";
import { readFileSync } from "node:fs";
import { createSecureContext } from "node:tls";

export interface TlsFiles {
  readonly certFile: string;
  readonly keyFile: string;
}

export interface TlsCredentials {
  readonly cert: Buffer;
  readonly key: Buffer;
}

/**
 * Reads a PEM certificate chain and its private key, and proves they form a usable pair before
 * anyone serves them: a bad file must fail here, not at the first handshake (or, on reload,
 * replace a working certificate).
 */
export function readTlsCredentials(files: TlsFiles): TlsCredentials {
  const credentials = { cert: readFileSync(files.certFile), key: readFileSync(files.keyFile) };
  createSecureContext(credentials);
  return credentials;
}

/** SHA-256 fingerprint of the leaf certificate, as operators compare it (`AB:CD:…`). */
export function certificateFingerprint(credentials: TlsCredentials): string {
  return new X509Certificate(credentials.cert).fingerprint256;
}
