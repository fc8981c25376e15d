// QUIC version numbers (RFC 9000 §15, RFC 9369 §3.1, RFC 8999 §6).
//
//   QUIC_V1, QUIC_V2, VERSION_NEGOTIATION (0)
//   SUPPORTED_VERSIONS        the versions this stack speaks, preferred first
//   isSupportedVersion(v)     v1 or v2
//   isReservedVersion(v)      0x?a?a?a?a, greasing
//   greaseVersion(random4)    a reserved version from 4 random bytes

export const QUIC_V1 = 0x00000001;
/** RFC 9369 §3.1: The version field of long headers is 0x6b3343cf. */
export const QUIC_V2 = 0x6b3343cf;
/** RFC 9000 §17.2.1: the Version field of a Version Negotiation packet is 0. */
export const VERSION_NEGOTIATION = 0x00000000;

/** Versions this stack supports, in order of preference. */
export const SUPPORTED_VERSIONS: readonly number[] = Object.freeze([QUIC_V1, QUIC_V2]);

export function isSupportedVersion(version: number): boolean {
  return version === QUIC_V1 || version === QUIC_V2;
}

/**
 * RFC 9000 §15: Versions that follow the pattern 0x?a?a?a?a are reserved for
 * use in forcing version negotiation to be exercised.
 */
export function isReservedVersion(version: number): boolean {
  return (version & 0x0f0f0f0f) === 0x0a0a0a0a;
}

/** A reserved (greasing) version built from 4 random bytes. */
export function greaseVersion(random: Uint8Array): number {
  if (random.length < 4) throw new TypeError(`greaseVersion random length ${random.length} < 4`);
  const high = (random[0]! << 24) | (random[1]! << 16) | (random[2]! << 8) | random[3]!;
  return ((high & 0xf0f0f0f0) | 0x0a0a0a0a) >>> 0;
}

export function versionName(version: number): string {
  if (version === QUIC_V1) return 'QUIC v1';
  if (version === QUIC_V2) return 'QUIC v2';
  if (version === VERSION_NEGOTIATION) return 'Version Negotiation';
  return `0x${version.toString(16).padStart(8, '0')}`;
}
