// Byte-array comparisons used across the stack: plain equality for
// connection IDs and protocol values, and a constant-time comparison for
// secrets (authentication tags, reset and address tokens, RSA encodings),
// whose timing must not reveal how many leading bytes matched.

export function equalBytes(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

/** Compares in time that depends only on the length (RFC 9000 §10.3.1 asks this of reset tokens). */
export function constantTimeEqual(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  let diff = 0;
  for (let i = 0; i < a.length; i++) diff |= a[i]! ^ b[i]!;
  return diff === 0;
}

/** The big-endian 32-bit word at `o`. */
export function readWord(b: Uint8Array, o: number): number {
  return (b[o]! << 24) | (b[o + 1]! << 16) | (b[o + 2]! << 8) | b[o + 3]!;
}

/** Writes `w` as a big-endian 32-bit word at `o`. */
export function writeWord(b: Uint8Array, o: number, w: number): void {
  b[o] = w >>> 24;
  b[o + 1] = w >>> 16;
  b[o + 2] = w >>> 8;
  b[o + 3] = w;
}
