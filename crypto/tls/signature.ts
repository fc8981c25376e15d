// Signature verification for CertificateVerify (RFC 8446 §4.4.3) and for
// certificate chains: on node:crypto where the runtime has it
// (native-signature.ts), else ECDSA P-256/P-384 and Ed25519 with
// @noble/curves and RSA (PSS and PKCS#1 v1.5) in BigInt. Synchronous either
// way; keys are parsed and validated by the same pure code on both paths.
import { ed25519 } from '@noble/curves/ed25519.js';
import { p256, p384 } from '@noble/curves/nist.js';
import { TlsAlert } from './alert.js';
import { KeyFormatError, type PublicKey, parseSpki } from './asn1-keys.js';
import { nativeVerify } from './native-signature.js';
import { nativeTlsCrypto } from './native-tls-crypto.js';
import { digest, rsaPkcs1Verify, rsaPssVerify } from './rsa.js';
import {
  hashLength,
  requireSignatureAlgorithm,
  type SignatureAlgorithm,
  signatureSchemeName,
} from './signature-scheme.js';

export const ECDSA_CURVES = { p256, p384 } as const;

/**
 * Parsed keys by SPKI, most recently used last: a server's leaf and its CA
 * recur in every handshake, and each parse validates the point or modulus
 * (and, on the native path, the imported key hangs off the parsed one).
 */
const parsedKeys = new Map<string, PublicKey>();
export const PUBLIC_KEY_CACHE_SIZE = 64;
/** Larger SPKIs are never cached (a 4096-bit RSA SPKI is about 550 bytes). */
const CACHEABLE_SPKI_BYTES = 1024;

function cacheKey(spki: Uint8Array): string | undefined {
  if (spki.length > CACHEABLE_SPKI_BYTES) return undefined;
  return String.fromCharCode.apply(null, spki as unknown as number[]);
}

/** Turns a key parsing failure into the alert RFC 8446 §6.2 names for it. */
export function publicKeyFromSpki(spki: Uint8Array): PublicKey {
  const id = cacheKey(spki);
  const cached = id === undefined ? undefined : parsedKeys.get(id);
  if (cached) {
    parsedKeys.delete(id!);
    parsedKeys.set(id!, cached);
    return cached;
  }
  const key = parseSpkiOrAlert(spki);
  if (id !== undefined) {
    parsedKeys.set(id, key);
    if (parsedKeys.size > PUBLIC_KEY_CACHE_SIZE) {
      parsedKeys.delete(parsedKeys.keys().next().value!);
    }
  }
  return key;
}

function parseSpkiOrAlert(spki: Uint8Array): PublicKey {
  try {
    return parseSpki(spki);
  } catch (error) {
    if (error instanceof KeyFormatError) {
      throw new TlsAlert(
        error.unsupported ? 'unsupported_certificate' : 'bad_certificate',
        `certificate public key: ${error.message}`,
      );
    }
    throw error;
  }
}

function describeKey(key: PublicKey): string {
  if (key.kind === 'ec') return `an ECDSA ${key.curve === 'p256' ? 'P-256' : 'P-384'} key`;
  if (key.kind === 'ed25519') return 'an Ed25519 key';
  return key.pssOnly ? `an RSA-PSS (id-RSASSA-PSS) key` : `an RSA key`;
}

/** RFC 8446 §4.2.3 ties each scheme to a key type; a mismatch is a peer error. */
function keyFitsAlgorithm(algorithm: SignatureAlgorithm, key: PublicKey): boolean {
  switch (algorithm.family) {
    case 'ecdsa':
      return key.kind === 'ec' && (algorithm.curve === undefined || key.curve === algorithm.curve);
    case 'ed25519':
      return key.kind === 'ed25519';
    case 'rsa-pkcs1':
      return key.kind === 'rsa' && !key.pssOnly;
    case 'rsa-pss':
      if (key.kind !== 'rsa') return false;
      // RFC 8446 §4.2.3: rsa_pss_rsae_* keys use rsaEncryption, rsa_pss_pss_* keys id-RSASSA-PSS.
      if (algorithm.pssKey === 'rsae' && key.pssOnly) return false;
      if (algorithm.pssKey === 'pss' && !key.pssOnly) return false;
      return key.pssHash === undefined || key.pssHash === algorithm.hash;
  }
}

/**
 * Verifies `signature` over `message` with an algorithm and a parsed key.
 * Never throws for bad signature bytes (returns false); throws TlsAlert
 * illegal_parameter when the algorithm does not fit the key.
 */
export function verifyWithAlgorithm(
  algorithm: SignatureAlgorithm,
  key: PublicKey,
  message: Uint8Array,
  signature: Uint8Array,
  what = 'signature',
): boolean {
  if (!keyFitsAlgorithm(algorithm, key)) {
    const name =
      algorithm.family === 'ecdsa' && algorithm.curve
        ? `${algorithm.family} ${algorithm.curve}`
        : algorithm.family;
    throw new TlsAlert(
      'illegal_parameter',
      `${what} uses ${name} with ${algorithm.hash}, which does not fit ${describeKey(key)}`,
    );
  }
  const native = nativeTlsCrypto();
  if (native) {
    const verified = nativeVerify(native, algorithm, key, message, signature);
    if (verified !== undefined) return verified;
  }
  return pureVerify(algorithm, key, message, signature);
}

/** The portable verifier (@noble/curves, BigInt RSA); the algorithm fits the key. */
export function pureVerify(
  algorithm: SignatureAlgorithm,
  key: PublicKey,
  message: Uint8Array,
  signature: Uint8Array,
): boolean {
  try {
    switch (key.kind) {
      case 'ec':
        // Hash exactly once here, then hand noble the digest (prehash: false).
        // RFC 8446 §4.2.3 / RFC 5758 §3.2: ECDSA signatures are DER (r, s);
        // high-S values are valid ECDSA (OpenSSL produces them), so lowS: false.
        return ECDSA_CURVES[key.curve].verify(
          signature,
          digest(algorithm.hash, message),
          key.point,
          {
            prehash: false,
            lowS: false,
            format: 'der',
          },
        );
      case 'ed25519':
        // RFC 8032 §5.1.7; zip215: false gives the strict RFC 8032 encoding rules.
        return ed25519.verify(signature, message, key.key, { zip215: false });
      case 'rsa':
        if (algorithm.family === 'rsa-pkcs1') {
          return rsaPkcs1Verify(key, algorithm.hash, message, signature);
        }
        return rsaPssVerify(
          key,
          algorithm.hash,
          algorithm.saltLength ?? hashLength(algorithm.hash),
          message,
          signature,
        );
    }
  } catch {
    // Malformed signature encodings (bad DER, off-curve points) are just invalid signatures.
    return false;
  }
}

/**
 * Verifies a TLS signature (CertificateVerify, RFC 8446 §4.4.3) made with
 * `scheme` by the key in `spki` (DER SubjectPublicKeyInfo). Returns false for
 * a signature that does not verify; throws TlsAlert illegal_parameter for a
 * scheme we do not implement or that does not fit the key, and
 * unsupported_certificate / bad_certificate for an unusable key.
 */
export function verifySignature(
  scheme: number,
  spki: Uint8Array,
  message: Uint8Array,
  signature: Uint8Array,
): boolean {
  const algorithm = requireSignatureAlgorithm(scheme);
  const key = publicKeyFromSpki(spki);
  return verifyWithAlgorithm(
    algorithm,
    key,
    message,
    signature,
    `signature scheme ${signatureSchemeName(scheme)}`,
  );
}
