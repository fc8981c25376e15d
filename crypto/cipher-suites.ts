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
}

export const CIPHER_SUITES: Readonly<Record<CipherSuiteCode, CipherSuiteInfo>> = {
  4865: {
    code: 0x1301,
    name: 'TLS_AES_128_GCM_SHA256',
    hash: 'sha256',
    keyLength: 16,
    ivLength: 12,
    aead: 'aes-gcm',
  },
  4866: {
    code: 0x1302,
    name: 'TLS_AES_256_GCM_SHA384',
    hash: 'sha384',
    keyLength: 32,
    ivLength: 12,
    aead: 'aes-gcm',
  },
  4867: {
    code: 0x1303,
    name: 'TLS_CHACHA20_POLY1305_SHA256',
    hash: 'sha256',
    keyLength: 32,
    ivLength: 12,
    aead: 'chacha20-poly1305',
  },
};

export function cipherSuiteInfo(code: number): CipherSuiteInfo | undefined {
  return (CIPHER_SUITES as Record<number, CipherSuiteInfo>)[code];
}

/** Preference order when the user does not restrict suites. */
export const DEFAULT_CIPHER_SUITES: readonly CipherSuiteCode[] = [0x1301, 0x1303, 0x1302];
