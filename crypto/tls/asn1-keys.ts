// Public and private key formats: SubjectPublicKeyInfo (RFC 5280 §4.1.2.7),
// PKCS#8 PrivateKeyInfo (RFC 5208), SEC1 ECPrivateKey (RFC 5915), PKCS#1
// RSAPublicKey / RSAPrivateKey (RFC 8017 §A.1), Ed25519 keys (RFC 8410).
// Parsing uses @peculiar/asn1-schema (synchronous); callers turn the thrown
// KeyFormatError into a TlsAlert or TypeError as fits them.
import { p256, p384 } from '@noble/curves/nist.js';
import { ECParameters, ECPrivateKey } from '@peculiar/asn1-ecc';
import { RSAPrivateKey, RSAPublicKey, RsaSaPssParams } from '@peculiar/asn1-rsa';
import { AsnConvert, OctetString } from '@peculiar/asn1-schema';
import { AlgorithmIdentifier, SubjectPublicKeyInfo } from '@peculiar/asn1-x509';
import { DerError, DerTag, readDerChildren, readDerWhole } from './asn1-der.js';
import type { EcCurve, SignatureHash } from './signature-scheme.js';

export const Oid = {
  ecPublicKey: '1.2.840.10045.2.1',
  p256: '1.2.840.10045.3.1.7',
  p384: '1.3.132.0.34',
  p521: '1.3.132.0.35',
  rsaEncryption: '1.2.840.113549.1.1.1',
  rsassaPss: '1.2.840.113549.1.1.10',
  mgf1: '1.2.840.113549.1.1.8',
  ed25519: '1.3.101.112',
  ed448: '1.3.101.113',
  sha256: '2.16.840.1.101.3.4.2.1',
  sha384: '2.16.840.1.101.3.4.2.2',
  sha512: '2.16.840.1.101.3.4.2.3',
} as const;

/** Why a key could not be used: malformed, or well-formed but not supported. */
export class KeyFormatError extends Error {
  readonly unsupported: boolean;
  constructor(reason: string, unsupported = false) {
    super(reason);
    this.name = 'KeyFormatError';
    this.unsupported = unsupported;
  }
}

// Refuse RSA moduli below 2048 bits (NIST SP 800-131A) and above 4096 bits,
// which bounds the work a peer can make us do per signature.
export const RSA_MIN_BITS = 2048;
export const RSA_MAX_BITS = 4096;

export interface RsaPublicKey {
  readonly kind: 'rsa';
  /** True for an id-RSASSA-PSS key (only usable for rsa_pss_pss_*, RFC 8446 §4.2.3). */
  readonly pssOnly: boolean;
  /** For id-RSASSA-PSS keys with parameters: the only hash the key may be used with. */
  readonly pssHash?: SignatureHash;
  readonly n: bigint;
  readonly e: bigint;
  readonly bits: number;
}

export type PublicKey =
  | { readonly kind: 'ec'; readonly curve: EcCurve; readonly point: Uint8Array }
  | { readonly kind: 'ed25519'; readonly key: Uint8Array }
  | RsaPublicKey;

export interface RsaPrivateKey extends RsaPublicKey {
  readonly d: bigint;
  readonly p: bigint;
  readonly q: bigint;
  readonly dp: bigint;
  readonly dq: bigint;
  readonly qInv: bigint;
}

export type PrivateKey =
  | { readonly kind: 'ec'; readonly curve: EcCurve; readonly scalar: Uint8Array }
  | { readonly kind: 'ed25519'; readonly seed: Uint8Array }
  | RsaPrivateKey;

export function bytesToBigInt(bytes: Uint8Array): bigint {
  let n = 0n;
  for (const byte of bytes) n = (n << 8n) | BigInt(byte);
  return n;
}

export function bigIntToBytes(n: bigint, length: number): Uint8Array {
  const out = new Uint8Array(length);
  let rest = n;
  for (let i = length - 1; i >= 0; i--) {
    out[i] = Number(rest & 0xffn);
    rest >>= 8n;
  }
  if (rest !== 0n) throw new RangeError('integer too large for the requested length');
  return out;
}

export function bitLength(n: bigint): number {
  return n === 0n ? 0 : n.toString(2).length;
}

function parseAs<T>(bytes: Uint8Array | ArrayBuffer, type: new () => T, what: string): T {
  try {
    return AsnConvert.parse(bytes as BufferSource, type);
  } catch (error) {
    throw new KeyFormatError(`${what} is not valid DER (${(error as Error).message})`);
  }
}

function curveOf(oid: string | undefined): EcCurve {
  if (oid === Oid.p256) return 'p256';
  if (oid === Oid.p384) return 'p384';
  const name = oid === Oid.p521 ? 'P-521' : `curve ${oid ?? '(explicit parameters)'}`;
  throw new KeyFormatError(`${name} is not supported (only P-256 and P-384)`, true);
}

function ecCurveFromParameters(parameters: ArrayBuffer | null | undefined): EcCurve {
  if (!parameters) throw new KeyFormatError('EC key without curve parameters');
  return curveOf(parseAs(parameters, ECParameters, 'EC parameters').namedCurve);
}

function hashOfOid(oid: string): SignatureHash | undefined {
  if (oid === Oid.sha256) return 'sha256';
  if (oid === Oid.sha384) return 'sha384';
  if (oid === Oid.sha512) return 'sha512';
  return undefined;
}

export interface PssParameters {
  readonly hash: SignatureHash;
  readonly saltLength: number;
}

/**
 * RFC 4055 §3.1 RSASSA-PSS-params. Defaults are SHA-1, which we refuse; we
 * support only MGF1 with the same hash as the message digest.
 */
export function parsePssParameters(parameters: ArrayBuffer): PssParameters {
  const params = parseAs(parameters, RsaSaPssParams, 'RSASSA-PSS parameters');
  const hash = hashOfOid(params.hashAlgorithm.algorithm);
  if (!hash) {
    throw new KeyFormatError(
      `RSA-PSS hash ${params.hashAlgorithm.algorithm} is not supported`,
      true,
    );
  }
  const mgf = params.maskGenAlgorithm;
  if (mgf.algorithm !== Oid.mgf1 || !mgf.parameters) {
    throw new KeyFormatError('RSA-PSS mask generation function is not MGF1', true);
  }
  const mgfHash = parseAs(mgf.parameters, AlgorithmIdentifier, 'MGF1 parameters');
  if (hashOfOid(mgfHash.algorithm) !== hash) {
    throw new KeyFormatError('RSA-PSS with an MGF1 hash different from the digest', true);
  }
  if (params.trailerField !== 1) throw new KeyFormatError('RSA-PSS trailer field is not 1', true);
  return { hash, saltLength: params.saltLength };
}

function rsaPublic(n: bigint, e: bigint, pssOnly: boolean, pssHash?: SignatureHash): RsaPublicKey {
  const bits = bitLength(n);
  if (bits < RSA_MIN_BITS || bits > RSA_MAX_BITS) {
    throw new KeyFormatError(
      `RSA key of ${bits} bits is not supported (${RSA_MIN_BITS} to ${RSA_MAX_BITS} bits)`,
      true,
    );
  }
  if ((n & 1n) === 0n || e < 3n || (e & 1n) === 0n || e >= n) {
    throw new KeyFormatError('RSA key has an invalid modulus or exponent');
  }
  return pssHash
    ? { kind: 'rsa', pssOnly, pssHash, n, e, bits }
    : { kind: 'rsa', pssOnly, n, e, bits };
}

/** Parses a DER SubjectPublicKeyInfo into a key we can verify with. */
export function parseSpki(spki: Uint8Array): PublicKey {
  const info = parseAs(spki, SubjectPublicKeyInfo, 'SubjectPublicKeyInfo');
  const key = new Uint8Array(info.subjectPublicKey);
  const { algorithm, parameters } = info.algorithm;
  switch (algorithm) {
    case Oid.ecPublicKey: {
      const curve = ecCurveFromParameters(parameters);
      // SEC 1 §2.3.4: the point must decode and lie on the curve (noble checks both).
      try {
        (curve === 'p256' ? p256 : p384).Point.fromBytes(key).assertValidity();
      } catch {
        throw new KeyFormatError(
          `EC public key is not a valid ${curve === 'p256' ? 'P-256' : 'P-384'} point`,
        );
      }
      return { kind: 'ec', curve, point: key };
    }
    case Oid.ed25519:
      // RFC 8410 §3: parameters MUST be absent.
      if (key.length !== 32 || parameters) throw new KeyFormatError('Ed25519 key is malformed');
      return { kind: 'ed25519', key };
    case Oid.rsaEncryption:
    case Oid.rsassaPss: {
      const rsa = parseAs(key, RSAPublicKey, 'RSA public key');
      const pssHash =
        algorithm === Oid.rsassaPss && parameters ? parsePssParameters(parameters).hash : undefined;
      return rsaPublic(
        bytesToBigInt(new Uint8Array(rsa.modulus)),
        bytesToBigInt(new Uint8Array(rsa.publicExponent)),
        algorithm === Oid.rsassaPss,
        pssHash,
      );
    }
    case Oid.ed448:
      throw new KeyFormatError('Ed448 keys are not supported', true);
    default:
      throw new KeyFormatError(`public key algorithm ${algorithm} is not supported`, true);
  }
}

function rsaPrivate(der: Uint8Array | ArrayBuffer, pssOnly: boolean): RsaPrivateKey {
  const k = parseAs(der, RSAPrivateKey, 'RSA private key');
  if (k.otherPrimeInfos && k.otherPrimeInfos.length > 0) {
    throw new KeyFormatError('multi-prime RSA keys are not supported', true);
  }
  const int = (b: ArrayBuffer) => bytesToBigInt(new Uint8Array(b));
  const pub = rsaPublic(int(k.modulus), int(k.publicExponent), pssOnly);
  const p = int(k.prime1);
  const q = int(k.prime2);
  if (p * q !== pub.n) throw new KeyFormatError('RSA private key primes do not match the modulus');
  const key = {
    ...pub,
    d: int(k.privateExponent),
    p,
    q,
    dp: int(k.exponent1),
    dq: int(k.exponent2),
    qInv: int(k.coefficient),
  };
  // RFC 8017 §3.2: dP = d mod (p - 1), dQ = d mod (q - 1), qInv * q = 1 (mod p). Signing uses the CRT values only.
  if (key.dp !== key.d % (p - 1n) || key.dq !== key.d % (q - 1n) || (key.qInv * q) % p !== 1n) {
    throw new KeyFormatError('RSA private key CRT values are inconsistent');
  }
  return key;
}

function ecPrivate(der: Uint8Array | ArrayBuffer, outerCurve?: EcCurve): PrivateKey {
  const k = parseAs(der, ECPrivateKey, 'EC private key');
  const curve = outerCurve ?? curveOf(k.parameters?.namedCurve);
  if (k.parameters?.namedCurve && outerCurve && curveOf(k.parameters.namedCurve) !== outerCurve) {
    throw new KeyFormatError('EC private key names two different curves');
  }
  const scalar = new Uint8Array(k.privateKey.buffer);
  const length = curve === 'p256' ? 32 : 48;
  if (scalar.length !== length) {
    throw new KeyFormatError(`EC private key is ${scalar.length} bytes, expected ${length}`);
  }
  return { kind: 'ec', curve, scalar };
}

/**
 * RFC 5958 §2 OneAsymmetricKey (PKCS#8 v1 PrivateKeyInfo is its version 0):
 * SEQUENCE { version, privateKeyAlgorithm, privateKey OCTET STRING,
 * [0] attributes OPTIONAL, [1] publicKey OPTIONAL (version 1 only) }.
 */
function readPrivateKeyInfo(der: Uint8Array): { algorithmDer: Uint8Array; inner: Uint8Array } {
  try {
    const fields = readDerChildren(readDerWhole(der, DerTag.sequence).value, 5);
    const [version, algorithm, privateKey, ...optional] = fields;
    if (version?.tag !== DerTag.integer || version.value.length !== 1 || version.value[0]! > 1) {
      throw new DerError('version is not 0 or 1');
    }
    if (algorithm?.tag !== DerTag.sequence || privateKey?.tag !== DerTag.octetString) {
      throw new DerError('missing algorithm or private key');
    }
    if (optional.some((field) => field.tag !== 0xa0 && field.tag !== 0x81 && field.tag !== 0xa1)) {
      throw new DerError('unexpected trailing field');
    }
    return { algorithmDer: algorithm.encoded, inner: privateKey.value };
  } catch (error) {
    if (error instanceof DerError) {
      throw new KeyFormatError(`PKCS#8 PrivateKeyInfo is not valid DER (${error.message})`);
    }
    throw error;
  }
}

/** PKCS#8 PrivateKeyInfo (RFC 5208 §5) for EC, RSA, RSA-PSS and Ed25519 keys. */
export function parsePkcs8(der: Uint8Array): PrivateKey {
  const { algorithmDer, inner } = readPrivateKeyInfo(der);
  const { algorithm, parameters } = parseAs(algorithmDer, AlgorithmIdentifier, 'PKCS#8 algorithm');
  switch (algorithm) {
    case Oid.ecPublicKey:
      return ecPrivate(inner, ecCurveFromParameters(parameters));
    case Oid.rsaEncryption:
    case Oid.rsassaPss:
      return rsaPrivate(inner, algorithm === Oid.rsassaPss);
    case Oid.ed25519: {
      // RFC 8410 §7: CurvePrivateKey ::= OCTET STRING, wrapped in privateKey.
      const seed = new Uint8Array(parseAs(inner, OctetString, 'Ed25519 private key').buffer);
      if (seed.length !== 32) throw new KeyFormatError('Ed25519 private key is not 32 bytes');
      return { kind: 'ed25519', seed };
    }
    default:
      throw new KeyFormatError(`private key algorithm ${algorithm} is not supported`, true);
  }
}

/** SEC1 "EC PRIVATE KEY" (RFC 5915): the curve must be named inside. */
export function parseSec1(der: Uint8Array): PrivateKey {
  return ecPrivate(der);
}

/** PKCS#1 "RSA PRIVATE KEY" (RFC 8017 §A.1.2). */
export function parsePkcs1(der: Uint8Array): PrivateKey {
  return rsaPrivate(der, false);
}
