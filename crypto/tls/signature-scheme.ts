// TLS 1.3 SignatureScheme code points (RFC 8446 §4.2.3) and what each one
// means: which key family, which hash, which curve.
import { TlsAlert } from './alert.js';

export const SignatureScheme = {
  rsa_pkcs1_sha256: 0x0401,
  rsa_pkcs1_sha384: 0x0501,
  rsa_pkcs1_sha512: 0x0601,
  ecdsa_secp256r1_sha256: 0x0403,
  ecdsa_secp384r1_sha384: 0x0503,
  ecdsa_secp521r1_sha512: 0x0603,
  rsa_pss_rsae_sha256: 0x0804,
  rsa_pss_rsae_sha384: 0x0805,
  rsa_pss_rsae_sha512: 0x0806,
  ed25519: 0x0807,
  ed448: 0x0808,
  rsa_pss_pss_sha256: 0x0809,
  rsa_pss_pss_sha384: 0x080a,
  rsa_pss_pss_sha512: 0x080b,
} as const;

export type SignatureSchemeName = keyof typeof SignatureScheme;

/**
 * What we offer in signature_algorithms, i.e. what we accept in
 * CertificateVerify. RFC 8446 §4.2.3: RSASSA-PKCS1-v1_5 algorithms "MUST NOT
 * be used in signed TLS handshake messages", so they are absent here.
 */
export const SUPPORTED_SIGNATURE_SCHEMES: readonly number[] = Object.freeze([
  SignatureScheme.ecdsa_secp256r1_sha256,
  SignatureScheme.ecdsa_secp384r1_sha384,
  SignatureScheme.rsa_pss_rsae_sha256,
  SignatureScheme.rsa_pss_rsae_sha384,
  SignatureScheme.rsa_pss_rsae_sha512,
  SignatureScheme.ed25519,
]);

/**
 * What we accept in certificate chains (signature_algorithms_cert).
 * RFC 8446 §4.2.3: rsa_pkcs1_* "MAY only appear in a certificate".
 */
export const SUPPORTED_CERTIFICATE_SIGNATURE_SCHEMES: readonly number[] = Object.freeze([
  ...SUPPORTED_SIGNATURE_SCHEMES,
  SignatureScheme.rsa_pss_pss_sha256,
  SignatureScheme.rsa_pss_pss_sha384,
  SignatureScheme.rsa_pss_pss_sha512,
  SignatureScheme.rsa_pkcs1_sha256,
  SignatureScheme.rsa_pkcs1_sha384,
  SignatureScheme.rsa_pkcs1_sha512,
]);

export type SignatureHash = 'sha256' | 'sha384' | 'sha512';
export type SignatureFamily = 'ecdsa' | 'ed25519' | 'rsa-pss' | 'rsa-pkcs1';
export type EcCurve = 'p256' | 'p384';

/** How a signature is computed: the algorithm, independent of TLS code points. */
export interface SignatureAlgorithm {
  readonly family: SignatureFamily;
  /** Digest; for ed25519 unused (Ed25519 hashes internally, RFC 8032 §5.1.6). */
  readonly hash: SignatureHash;
  /** For ECDSA in TLS 1.3 the curve is fixed by the scheme (RFC 8446 §4.2.3). */
  readonly curve?: EcCurve;
  /** For RSA-PSS: which SPKI the key must have (rsaEncryption or id-RSASSA-PSS). */
  readonly pssKey?: 'rsae' | 'pss';
  /** For RSA-PSS: salt length; RFC 8446 §4.2.3 fixes it to the digest length. */
  readonly saltLength?: number;
}

const HASH_BYTES: Record<SignatureHash, number> = { sha256: 32, sha384: 48, sha512: 64 };

export function hashLength(hash: SignatureHash): number {
  return HASH_BYTES[hash];
}

function pss(hash: SignatureHash, pssKey: 'rsae' | 'pss'): SignatureAlgorithm {
  return { family: 'rsa-pss', hash, pssKey, saltLength: HASH_BYTES[hash] };
}

const ALGORITHMS = new Map<number, SignatureAlgorithm>([
  [SignatureScheme.ecdsa_secp256r1_sha256, { family: 'ecdsa', hash: 'sha256', curve: 'p256' }],
  [SignatureScheme.ecdsa_secp384r1_sha384, { family: 'ecdsa', hash: 'sha384', curve: 'p384' }],
  [SignatureScheme.rsa_pss_rsae_sha256, pss('sha256', 'rsae')],
  [SignatureScheme.rsa_pss_rsae_sha384, pss('sha384', 'rsae')],
  [SignatureScheme.rsa_pss_rsae_sha512, pss('sha512', 'rsae')],
  [SignatureScheme.rsa_pss_pss_sha256, pss('sha256', 'pss')],
  [SignatureScheme.rsa_pss_pss_sha384, pss('sha384', 'pss')],
  [SignatureScheme.rsa_pss_pss_sha512, pss('sha512', 'pss')],
  [SignatureScheme.rsa_pkcs1_sha256, { family: 'rsa-pkcs1', hash: 'sha256' }],
  [SignatureScheme.rsa_pkcs1_sha384, { family: 'rsa-pkcs1', hash: 'sha384' }],
  [SignatureScheme.rsa_pkcs1_sha512, { family: 'rsa-pkcs1', hash: 'sha512' }],
  [SignatureScheme.ed25519, { family: 'ed25519', hash: 'sha512' }],
]);

const NAMES = new Map<number, string>(
  Object.entries(SignatureScheme).map(([name, code]) => [code, name]),
);

/** "ecdsa_secp256r1_sha256 (0x0403)", for error messages. */
export function signatureSchemeName(scheme: number): string {
  const hex = `0x${scheme.toString(16).padStart(4, '0')}`;
  const name = NAMES.get(scheme);
  return name ? `${name} (${hex})` : hex;
}

/** The algorithm behind a scheme we implement, or undefined. */
export function signatureAlgorithm(scheme: number): SignatureAlgorithm | undefined {
  return ALGORITHMS.get(scheme);
}

/** Like signatureAlgorithm, but a scheme we do not implement is a TlsAlert. */
export function requireSignatureAlgorithm(scheme: number): SignatureAlgorithm {
  const algorithm = ALGORITHMS.get(scheme);
  if (!algorithm) {
    throw new TlsAlert(
      'illegal_parameter',
      `signature scheme ${signatureSchemeName(scheme)} is not supported`,
    );
  }
  return algorithm;
}
