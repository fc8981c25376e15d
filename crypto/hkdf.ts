// HKDF (RFC 5869) and the TLS 1.3 HKDF-Expand-Label (RFC 8446 §7.1), shared by
// the TLS key schedule and QUIC's packet-protection key derivation.
import { expand, extract } from '@noble/hashes/hkdf.js';
import { sha256, sha384 } from '@noble/hashes/sha2.js';

export type HashName = 'sha256' | 'sha384';

const HASHES = { sha256, sha384 } as const;

/** Output length in bytes of each hash the TLS 1.3 cipher suites use. */
export const HASH_LENGTH: Record<HashName, number> = { sha256: 32, sha384: 48 };

export function hash(name: HashName, data: Uint8Array): Uint8Array {
  return HASHES[name](data);
}

/** The hash function object, for callers that need incremental hashing (transcripts). */
export function hashFunction(name: HashName): (typeof HASHES)[HashName] {
  return HASHES[name];
}

export function hkdfExtract(name: HashName, salt: Uint8Array, ikm: Uint8Array): Uint8Array {
  return extract(HASHES[name], ikm, salt);
}

export function hkdfExpand(
  name: HashName,
  prk: Uint8Array,
  info: Uint8Array,
  length: number,
): Uint8Array {
  return expand(HASHES[name], prk, info, length);
}

const TLS13_PREFIX = new TextEncoder().encode('tls13 ');

/**
 * RFC 8446 §7.1: HKDF-Expand-Label(Secret, Label, Context, Length) =
 * HKDF-Expand(Secret, HkdfLabel, Length), where HkdfLabel is
 * uint16 length || opaque label<7..255> ("tls13 " + Label) || opaque context<0..255>.
 */
export function hkdfExpandLabel(
  name: HashName,
  secret: Uint8Array,
  label: string | Uint8Array,
  context: Uint8Array,
  length: number,
): Uint8Array {
  const labelBytes = typeof label === 'string' ? new TextEncoder().encode(label) : label;
  const fullLabelLength = TLS13_PREFIX.length + labelBytes.length;
  if (fullLabelLength > 255 || context.length > 255 || length > 0xffff) {
    throw new RangeError('HKDF-Expand-Label: label, context or length out of range');
  }
  const info = new Uint8Array(2 + 1 + fullLabelLength + 1 + context.length);
  info[0] = length >> 8;
  info[1] = length & 0xff;
  info[2] = fullLabelLength;
  info.set(TLS13_PREFIX, 3);
  info.set(labelBytes, 3 + TLS13_PREFIX.length);
  info[3 + fullLabelLength] = context.length;
  info.set(context, 4 + fullLabelLength);
  return expand(HASHES[name], secret, info, length);
}
