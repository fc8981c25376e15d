// The server's (or client's) signing key: parsed from PEM, used for
// CertificateVerify (RFC 8446 §4.4.3) and for signing certificates we build.
// Signing runs on node:crypto where the runtime has it (the native key is
// imported once, at the first native signature), else on the pure code.
import { ed25519 } from '@noble/curves/ed25519.js';
import { RSAPublicKey } from '@peculiar/asn1-rsa';
import { AsnConvert } from '@peculiar/asn1-schema';
import { AlgorithmIdentifier, SubjectPublicKeyInfo } from '@peculiar/asn1-x509';
import { DerTag, encodeOid } from './asn1-der.js';
import {
  KeyFormatError,
  Oid,
  type PrivateKey,
  parsePkcs1,
  parsePkcs8,
  parseSec1,
} from './asn1-keys.js';
import { decodePem, PemError, pemText } from './asn1-pem.js';
import { type NativeSigner, nativePublicKeyBytes, nativeSigner } from './native-signature.js';
import { type NodeCryptoModule, nativeTlsCrypto } from './native-tls-crypto.js';
import { digest, rsaPkcs1Sign, rsaPssSign } from './rsa.js';
import { ECDSA_CURVES } from './signature.js';
import {
  hashLength,
  SignatureScheme,
  signatureAlgorithm,
  signatureSchemeName,
} from './signature-scheme.js';

export type KeyType = 'ec-p256' | 'ec-p384' | 'rsa' | 'ed25519';

export interface SigningKey {
  readonly keyType: KeyType;
  /** The CertificateVerify schemes this key can sign with, most preferred first. */
  readonly schemes: readonly number[];
  /**
   * Signs `message` (for CertificateVerify: the RFC 8446 §4.4.3 content) with
   * `scheme`. RSA keys also accept rsa_pkcs1_* for signing certificates.
   * `random` supplies the RSA-PSS salt and ECDSA hedging entropy on the pure
   * path; on node:crypto those come from OpenSSL's CSPRNG instead.
   */
  sign(scheme: number, message: Uint8Array, random: (n: number) => Uint8Array): Uint8Array;
  /** The matching public key as DER SubjectPublicKeyInfo. */
  readonly spki: Uint8Array;
}

const SCHEMES: Record<KeyType, readonly number[]> = {
  'ec-p256': [SignatureScheme.ecdsa_secp256r1_sha256],
  'ec-p384': [SignatureScheme.ecdsa_secp384r1_sha384],
  ed25519: [SignatureScheme.ed25519],
  rsa: [
    SignatureScheme.rsa_pss_rsae_sha256,
    SignatureScheme.rsa_pss_rsae_sha384,
    SignatureScheme.rsa_pss_rsae_sha512,
  ],
};

const RSA_CERTIFICATE_SCHEMES: readonly number[] = [
  SignatureScheme.rsa_pkcs1_sha256,
  SignatureScheme.rsa_pkcs1_sha384,
  SignatureScheme.rsa_pkcs1_sha512,
];

function encodeSpki(
  algorithm: string,
  parameters: ArrayBuffer | undefined,
  key: Uint8Array,
): Uint8Array {
  // RFC 8410 §3: for Ed25519 the parameters MUST be absent (not NULL).
  const identifier = new AlgorithmIdentifier({ algorithm });
  if (parameters) identifier.parameters = parameters;
  const info = new SubjectPublicKeyInfo({
    algorithm: identifier,
    subjectPublicKey: key.slice().buffer,
  });
  return new Uint8Array(AsnConvert.serialize(info));
}

function unsignedInteger(n: bigint): ArrayBuffer {
  let hex = n.toString(16);
  if (hex.length % 2) hex = `0${hex}`;
  if (Number.parseInt(hex.slice(0, 2), 16) >= 0x80) hex = `00${hex}`;
  const bytes = new Uint8Array(hex.length / 2);
  for (let i = 0; i < bytes.length; i++)
    bytes[i] = Number.parseInt(hex.slice(2 * i, 2 * i + 2), 16);
  return bytes.buffer;
}

/** The SubjectPublicKeyInfo DER for a private key's public half. */
export function publicKeySpki(key: PrivateKey): Uint8Array {
  const crypto = nativeTlsCrypto();
  const native = crypto && nativePublicKeyBytes(crypto, key);
  switch (key.kind) {
    case 'ec': {
      const curveOid = encodeOid(key.curve === 'p256' ? Oid.p256 : Oid.p384);
      const point = native ?? ECDSA_CURVES[key.curve].getPublicKey(key.scalar, false);
      return encodeSpki(Oid.ecPublicKey, curveOid.slice().buffer, point);
    }
    case 'ed25519':
      return encodeSpki(Oid.ed25519, undefined, native ?? ed25519.getPublicKey(key.seed));
    case 'rsa': {
      const rsa = new RSAPublicKey({
        modulus: unsignedInteger(key.n),
        publicExponent: unsignedInteger(key.e),
      });
      const der = new Uint8Array(AsnConvert.serialize(rsa));
      return key.pssOnly
        ? encodeSpki(Oid.rsassaPss, undefined, der)
        : encodeSpki(Oid.rsaEncryption, new Uint8Array([DerTag.null, 0]).buffer, der);
    }
  }
}

function keyTypeOf(key: PrivateKey): KeyType {
  if (key.kind === 'ec') return key.curve === 'p256' ? 'ec-p256' : 'ec-p384';
  return key.kind;
}

function randomBytes(random: (n: number) => Uint8Array, n: number): Uint8Array {
  const bytes = random(n);
  if (!(bytes instanceof Uint8Array) || bytes.length !== n) {
    throw new TypeError(`random(${n}) returned ${bytes?.length ?? typeof bytes} bytes`);
  }
  return bytes;
}

/** Wraps parsed key material as a SigningKey. */
export function signingKeyFrom(key: PrivateKey): SigningKey {
  const keyType = keyTypeOf(key);
  const schemes = SCHEMES[keyType];
  if (key.kind === 'rsa' && key.pssOnly) {
    throw new TypeError(
      'privateKey: id-RSASSA-PSS keys are not supported; use an rsaEncryption key',
    );
  }
  const spki = publicKeySpki(key);
  const allowed = new Set(key.kind === 'rsa' ? [...schemes, ...RSA_CERTIFICATE_SCHEMES] : schemes);
  // One import per key and per node:crypto module; null: this runtime cannot import it.
  let native: { crypto: NodeCryptoModule; signer: NativeSigner | null } | undefined;
  return {
    keyType,
    schemes,
    spki,
    sign(scheme, message, random) {
      const algorithm = signatureAlgorithm(scheme);
      if (!algorithm || !allowed.has(scheme)) {
        throw new TypeError(
          `scheme: ${signatureSchemeName(scheme)} cannot be used with a ${keyType} key`,
        );
      }
      const crypto = nativeTlsCrypto();
      if (crypto) {
        if (native?.crypto !== crypto) {
          native = { crypto, signer: nativeSigner(crypto, key, spki) ?? null };
        }
        if (native.signer) {
          // Draw what the pure path would (and check it), so the caller's random
          // stream stays in step whichever path signs; OpenSSL uses its own.
          if (algorithm.family === 'ecdsa') randomBytes(random, 32);
          if (algorithm.family === 'rsa-pss') randomBytes(random, hashLength(algorithm.hash));
          try {
            return native.signer(algorithm, message);
          } catch {
            native.signer = null; // this runtime cannot sign with it after all: pure from now on
          }
        }
      }
      switch (key.kind) {
        case 'ec':
          // Hash once here; noble signs the digest (prehash: false). RFC 6979
          // nonces, hedged with caller randomness (extraEntropy).
          return ECDSA_CURVES[key.curve].sign(digest(algorithm.hash, message), key.scalar, {
            prehash: false,
            format: 'der',
            extraEntropy: randomBytes(random, 32),
          });
        case 'ed25519':
          return ed25519.sign(message, key.seed);
        case 'rsa':
          if (algorithm.family === 'rsa-pkcs1') return rsaPkcs1Sign(key, algorithm.hash, message);
          // RFC 8446 §4.2.3: "the length of the salt MUST be equal to the length of the digest algorithm".
          return rsaPssSign(
            key,
            algorithm.hash,
            randomBytes(random, hashLength(algorithm.hash)),
            message,
          );
      }
    },
  };
}

function parseDer(label: string, der: Uint8Array): PrivateKey {
  switch (label) {
    case 'PRIVATE KEY':
      return parsePkcs8(der);
    case 'EC PRIVATE KEY':
      return parseSec1(der);
    case 'RSA PRIVATE KEY':
      return parsePkcs1(der);
    case 'ENCRYPTED PRIVATE KEY':
      throw new TypeError(
        'privateKey: encrypted PKCS#8 keys are not supported; decrypt the key first',
      );
    default:
      throw new TypeError(
        `privateKey: PEM block "${label}" is not a private key (expected PRIVATE KEY, EC PRIVATE KEY or RSA PRIVATE KEY)`,
      );
  }
}

/**
 * Parses a private key: PEM text (PKCS#8 "PRIVATE KEY" for EC P-256/P-384,
 * RSA and Ed25519; SEC1 "EC PRIVATE KEY"; PKCS#1 "RSA PRIVATE KEY"), or
 * PKCS#8 DER bytes. Any other PEM blocks (e.g. "EC PARAMETERS") are skipped.
 * Throws TypeError naming what is wrong.
 */
export function parsePrivateKeyPem(pem: string | Uint8Array): SigningKey {
  if (typeof pem !== 'string' && !(pem instanceof Uint8Array)) {
    throw new TypeError(`privateKey: expected a PEM string or bytes, got ${typeof pem}`);
  }
  const isDer = pem instanceof Uint8Array && pem[0] === DerTag.sequence;
  try {
    if (isDer) return signingKeyFrom(parsePkcs8(pem));
    const blocks = decodePem(pemText(pem)).filter((b) => b.label !== 'EC PARAMETERS');
    if (blocks.length === 0) throw new TypeError('privateKey: no PEM block found');
    if (blocks.length > 1) {
      throw new TypeError(`privateKey: expected one key, found ${blocks.length} PEM blocks`);
    }
    const block = blocks[0]!;
    return signingKeyFrom(parseDer(block.label, block.der));
  } catch (error) {
    if (error instanceof KeyFormatError || error instanceof PemError) {
      throw new TypeError(`privateKey: ${error.message}`);
    }
    throw error;
  }
}
