// The three TLS 1.3 cipher suites QUIC uses (RFC 9001 §5.3; RFC 8446 §B.4),
// and what each needs: its hash for HKDF, AEAD key length, and which header
// protection algorithm goes with it (RFC 9001 §5.4.3, §5.4.4).
import type { HashName } from './hkdf.js';

export const CipherSuite = {
  TLS_AES_128_GCM_SHA256: 0x1301,
  TLS_AES_256_GCM_SHA384: 0x1302,
  TLS_CHACHA20_POLY1305_SHA256: 0x1303,
} as const;

export type CipherSuiteName = keyof typeof CipherSuite;
export type CipherSuiteCode = (typeof CipherSuite)[CipherSuiteName];

export interface CipherSuiteInfo {
  readonly code: CipherSuiteCode;
  readonly name: CipherSuiteName;
  readonly hash: HashName;
  /** AEAD key length in bytes; the header-protection key has the same length. */
  readonly keyLength: number;
  /** AEAD nonce (IV) length in bytes: 12 for all three (RFC 8446 §5.3). */
  readonly ivLength: 12;
  readonly aead: 'aes-gcm' | 'chacha20-poly1305';
  /**
   * RFC 9001 §6.6: packets that may be encrypted with one key before it must
   * be updated (the confidentiality limit).
   */
  readonly confidentialityLimit: number;
  /**
   * RFC 9001 §6.6: packets that may fail authentication with one key before
   * the connection must be closed with AEAD_LIMIT_REACHED (the integrity limit).
   */
  readonly integrityLimit: number;
}

// RFC 9001 §6.6: For AEAD_AES_128_GCM and AEAD_AES_256_GCM, the
// confidentiality limit is 2^23 encrypted packets [...] the integrity limit
// is 2^52 invalid packets. For AEAD_CHACHA20_POLY1305, the confidentiality
// limit is greater than the number of possible packets (2^62) and so can be
// disregarded [...] the integrity limit is 2^36 invalid packets.
const AES_GCM_LIMITS = { confidentialityLimit: 2 ** 23, integrityLimit: 2 ** 52 } as const;
const CHACHA20_POLY1305_LIMITS = {
  confidentialityLimit: 2 ** 62,
  integrityLimit: 2 ** 36,
} as const;

export const CIPHER_SUITES: Readonly<Record<CipherSuiteCode, CipherSuiteInfo>> = {
  4865: {
    code: 0x1301,
    name: 'TLS_AES_128_GCM_SHA256',
    hash: 'sha256',
    keyLength: 16,
    ivLength: 12,
    aead: 'aes-gcm',
    ...AES_GCM_LIMITS,
  },
  4866: {
    code: 0x1302,
    name: 'TLS_AES_256_GCM_SHA384',
    hash: 'sha384',
    keyLength: 32,
    ivLength: 12,
    aead: 'aes-gcm',
    ...AES_GCM_LIMITS,
  },
  4867: {
    code: 0x1303,
    name: 'TLS_CHACHA20_POLY1305_SHA256',
    hash: 'sha256',
    keyLength: 32,
    ivLength: 12,
    aead: 'chacha20-poly1305',
    ...CHACHA20_POLY1305_LIMITS,
  },
};

export function cipherSuiteInfo(code: number): CipherSuiteInfo | undefined {
  return (CIPHER_SUITES as Record<number, CipherSuiteInfo>)[code];
}

/** Preference order when the user does not restrict suites. */
export const DEFAULT_CIPHER_SUITES: readonly CipherSuiteCode[] = [0x1301, 0x1303, 0x1302];
