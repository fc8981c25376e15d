// The synchronous interface every crypto provider implements: an AEAD bound
// to one (suite, key, iv) for packet protection (RFC 9001 §5.3), and a
// header-protection mask function bound to one (suite, hp key) (RFC 9001
// §5.4). Objects are created once per key, so all per-key setup (AES key
// schedules, GHASH tables, reusable native cipher contexts) happens at
// construction and never on the per-packet path.
import { type CipherSuiteInfo, cipherSuiteInfo } from './cipher-suites.js';

export type CryptoProviderName = 'pure' | 'node';

/** Bytes of authentication tag every QUIC AEAD appends (RFC 9001 §5.3). */
export const AEAD_TAG_LENGTH = 16;

/**
 * Packet payload protection bound to one key and IV.
 *
 * Both methods work in place on one buffer, typically the datagram being
 * built or received (coalesced packets are addressed by offsets): the header
 * buf[headerStart, payloadStart) is the associated data, and the payload
 * follows it. The nonce is the IV XOR the packet number (RFC 9001 §5.3).
 */
export interface PacketAead {
  readonly suite: CipherSuiteInfo;
  /**
   * Encrypts buf[payloadStart, payloadEnd) in place and writes the 16-byte
   * tag at payloadEnd. Returns payloadEnd + 16, the end of the packet.
   * Throws RangeError only for caller bugs (offsets out of order, no room
   * for the tag, a packet number outside 0..2^62-1).
   */
  seal(
    packetNumber: number | bigint,
    buf: Uint8Array,
    headerStart: number,
    payloadStart: number,
    payloadEnd: number,
  ): number;
  /**
   * Authenticates and decrypts buf[payloadStart, packetEnd) in place, the
   * last 16 bytes being the tag. Returns the end of the plaintext
   * (packetEnd - 16), or -1 if the packet does not authenticate or is too
   * short to hold a tag; then buf is left as it was, so no unauthenticated
   * plaintext is ever exposed. Never throws for anything a peer controls.
   */
  open(
    packetNumber: number | bigint,
    buf: Uint8Array,
    headerStart: number,
    payloadStart: number,
    packetEnd: number,
  ): number;
}

/** The header-protection mask function, bound to one hp key (RFC 9001 §5.4.1). */
export interface HeaderProtector {
  readonly suite: CipherSuiteInfo;
  /**
   * The mask for the 16-byte sample at buf[sampleOffset..+16]: bytes 0..4 of
   * the returned array (it may be longer; the rest is not part of the mask).
   * The array may be scratch space shared by all protectors, valid until the
   * next call. The caller checks that the sample lies inside the packet.
   */
  mask(buf: Uint8Array, sampleOffset: number): Uint8Array;
}

export interface CryptoProvider {
  readonly name: CryptoProviderName;
  createAead(suite: number, key: Uint8Array, iv: Uint8Array): PacketAead;
  createHeaderProtector(suite: number, hpKey: Uint8Array): HeaderProtector;
}

/** Looks up a suite for key construction; unknown codes are a caller bug. */
export function requireSuite(code: number): CipherSuiteInfo {
  const info = cipherSuiteInfo(code);
  if (!info) throw new TypeError(`suite: unsupported cipher suite 0x${code.toString(16)}`);
  return info;
}

export function requireKeyLength(suite: CipherSuiteInfo, field: string, key: Uint8Array): void {
  if (!(key instanceof Uint8Array) || key.length !== suite.keyLength) {
    throw new RangeError(
      `${field}: ${suite.name} needs a ${suite.keyLength}-byte key, got ${key?.length ?? typeof key}`,
    );
  }
}

export function requireIvLength(suite: CipherSuiteInfo, iv: Uint8Array): void {
  if (!(iv instanceof Uint8Array) || iv.length !== suite.ivLength) {
    throw new RangeError(`iv: ${suite.name} needs a 12-byte IV, got ${iv?.length ?? typeof iv}`);
  }
}

/** Seal arguments in order with room for the tag; anything else is a caller bug. */
export function checkSealRange(
  buf: Uint8Array,
  headerStart: number,
  payloadStart: number,
  payloadEnd: number,
): void {
  if (
    !(
      Number.isInteger(headerStart) &&
      Number.isInteger(payloadStart) &&
      Number.isInteger(payloadEnd)
    ) ||
    !(headerStart >= 0 && headerStart <= payloadStart && payloadStart <= payloadEnd) ||
    payloadEnd + AEAD_TAG_LENGTH > buf.length
  ) {
    throw new RangeError(
      `seal: bad range header ${headerStart}, payload ${payloadStart}..${payloadEnd}, buffer ${buf.length} (the tag needs 16 bytes after the payload)`,
    );
  }
}

/** Open arguments: false when the range cannot hold a tag or lies outside buf. */
export function validOpenRange(
  buf: Uint8Array,
  headerStart: number,
  payloadStart: number,
  packetEnd: number,
): boolean {
  return (
    Number.isInteger(headerStart) &&
    Number.isInteger(payloadStart) &&
    Number.isInteger(packetEnd) &&
    headerStart >= 0 &&
    headerStart <= payloadStart &&
    payloadStart + AEAD_TAG_LENGTH <= packetEnd &&
    packetEnd <= buf.length
  );
}
