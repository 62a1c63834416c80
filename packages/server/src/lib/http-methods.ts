/** GET, HEAD and OPTIONS change nothing (RFC 9110 §9.2.1); every other method may. */
const SAFE_METHODS = new Set(["GET", "HEAD", "OPTIONS"]);

export function changesState(method: string): boolean {
  return !SAFE_METHODS.has(method);
}
