// Signatures on node:crypto: verification with keys parsed (and validated)
// by asn1-keys.ts, and signing with a SigningKey's parsed material. Keys are
// imported as JWK (OpenSSL's DER decoders cost several times more) once per
// key object; the callers fall back to the pure code when a key cannot be
// imported (a runtime whose node:crypto lacks the algorithm).
import type * as NodeCrypto from 'node:crypto';
import type { PrivateKey, PublicKey, RsaPublicKey } from './asn1-keys.js';
import {
  base64url,
  bigIntBase64url,
  fromBase64url,
  type NodeCryptoModule,
} from './native-tls-crypto.js';
import { hashLength, type SignatureAlgorithm } from './signature-scheme.js';

const EC_JWK_CURVES = { p256: 'P-256', p384: 'P-384' } as const;
const EC_COORDINATE_BYTES = { p256: 32, p384: 48 } as const;

function publicJwk(key: PublicKey): NodeCrypto.JsonWebKey {
  switch (key.kind) {
    case 'ec': {
      // SEC 1 §2.3.3 uncompressed point: 0x04 || X || Y (asn1-keys.ts validated it).
      const size = EC_COORDINATE_BYTES[key.curve];
      return {
        kty: 'EC',
        crv: EC_JWK_CURVES[key.curve],
        x: base64url(key.point.subarray(1, 1 + size)),
        y: base64url(key.point.subarray(1 + size, 1 + 2 * size)),
      };
    }
    case 'ed25519':
      return { kty: 'OKP', crv: 'Ed25519', x: base64url(key.key) };
    case 'rsa':
      // Imported as a plain RSA key even for id-RSASSA-PSS SPKIs: which
      // schemes such a key allows is checked before (signature.ts keyFitsAlgorithm).
      return { kty: 'RSA', n: bigIntBase64url(key.n), e: bigIntBase64url(key.e) };
  }
}

const importedPublic = new WeakMap<PublicKey, NodeCrypto.KeyObject | null>();

function nativePublicKey(
  crypto: NodeCryptoModule,
  key: PublicKey,
): NodeCrypto.KeyObject | undefined {
  let imported = importedPublic.get(key);
  if (imported === undefined) {
    try {
      imported = crypto.createPublicKey({ key: publicJwk(key), format: 'jwk' });
    } catch {
      imported = null; // this runtime cannot import it: the pure code verifies instead
    }
    importedPublic.set(key, imported);
  }
  return imported ?? undefined;
}

function byteLength(key: RsaPublicKey): number {
  return Math.ceil(key.bits / 8);
}

function signOptions(
  crypto: NodeCryptoModule,
  algorithm: SignatureAlgorithm,
  key: NodeCrypto.KeyObject,
): NodeCrypto.SignKeyObjectInput & NodeCrypto.SigningOptions {
  switch (algorithm.family) {
    case 'ecdsa':
      // RFC 8446 §4.2.3: ECDSA signatures are DER-encoded ECDSA-Sig-Value (r, s).
      return { key, dsaEncoding: 'der' };
    case 'rsa-pss':
      // RFC 8446 §4.2.3: "the length of the salt MUST be equal to the length of the digest algorithm";
      // MGF1 uses the same hash (OpenSSL's default for PSS).
      return {
        key,
        padding: crypto.constants.RSA_PKCS1_PSS_PADDING,
        saltLength: algorithm.saltLength ?? hashLength(algorithm.hash),
      };
    case 'rsa-pkcs1':
      return { key, padding: crypto.constants.RSA_PKCS1_PADDING };
    case 'ed25519':
      return { key };
  }
}

/** Ed25519 hashes internally (RFC 8032 §5.1.6): node:crypto wants no digest name. */
function digestName(algorithm: SignatureAlgorithm): string | null {
  return algorithm.family === 'ed25519' ? null : algorithm.hash;
}

/**
 * Verifies on node:crypto. The algorithm must already fit the key
 * (signature.ts checks that first). Returns false for a signature that does
 * not verify, and undefined when node:crypto could not decide (the key does
 * not import on this runtime, or verify threw rather than answering): the
 * caller then asks the pure code, so an unsupported operation can never turn
 * into a wrongly rejected signature. Never throws.
 */
export function nativeVerify(
  crypto: NodeCryptoModule,
  algorithm: SignatureAlgorithm,
  key: PublicKey,
  message: Uint8Array,
  signature: Uint8Array,
): boolean | undefined {
  const native = nativePublicKey(crypto, key);
  if (!native) return undefined;
  // RFC 8017 §8.1.2 / §8.2.2 step 1: "If the length of the signature S is not k
  // octets, output 'invalid signature'" (OpenSSL would left-pad a shorter one).
  if (key.kind === 'rsa' && signature.length !== byteLength(key)) return false;
  try {
    return crypto.verify(
      digestName(algorithm),
      message,
      signOptions(crypto, algorithm, native),
      signature,
    );
  } catch {
    return undefined;
  }
}

function privateJwk(key: PrivateKey, spki: Uint8Array): NodeCrypto.JsonWebKey {
  switch (key.kind) {
    case 'ec': {
      // The SPKI ends with the uncompressed public point (RFC 5480 §2.2).
      const size = EC_COORDINATE_BYTES[key.curve];
      const point = spki.subarray(spki.length - 1 - 2 * size);
      return {
        kty: 'EC',
        crv: EC_JWK_CURVES[key.curve],
        d: base64url(key.scalar),
        x: base64url(point.subarray(1, 1 + size)),
        y: base64url(point.subarray(1 + size)),
      };
    }
    case 'ed25519':
      // RFC 8410 §4: the SPKI ends with the 32-byte public key.
      return {
        kty: 'OKP',
        crv: 'Ed25519',
        d: base64url(key.seed),
        x: base64url(spki.subarray(spki.length - 32)),
      };
    case 'rsa':
      return {
        kty: 'RSA',
        n: bigIntBase64url(key.n),
        e: bigIntBase64url(key.e),
        d: bigIntBase64url(key.d),
        p: bigIntBase64url(key.p),
        q: bigIntBase64url(key.q),
        dp: bigIntBase64url(key.dp),
        dq: bigIntBase64url(key.dq),
        qi: bigIntBase64url(key.qInv),
      };
  }
}

/** Signs `message` with an imported private key; algorithm already checked against the key. */
export type NativeSigner = (algorithm: SignatureAlgorithm, message: Uint8Array) => Uint8Array;

/**
 * A signer on node:crypto for parsed private key material, or undefined
 * when this runtime cannot import it. The ECDSA nonce and the RSA-PSS salt
 * come from OpenSSL's CSPRNG, not the caller's random (ECDSA in OpenSSL is
 * not RFC 6979); Ed25519 and PKCS#1 v1.5 are deterministic either way.
 */
export function nativeSigner(
  crypto: NodeCryptoModule,
  key: PrivateKey,
  spki: Uint8Array,
): NativeSigner | undefined {
  let native: NodeCrypto.KeyObject;
  try {
    native = crypto.createPrivateKey({ key: privateJwk(key, spki), format: 'jwk' });
  } catch {
    return undefined;
  }
  return (algorithm, message) =>
    new Uint8Array(
      crypto.sign(digestName(algorithm), message, signOptions(crypto, algorithm, native)),
    );
}

const ECDH_CURVES = { p256: 'prime256v1', p384: 'secp384r1' } as const;

// Node's JWK import requires `x` for a private OKP key but derives the public
// key from `d` alone; the placeholder is never used.
const PLACEHOLDER_X = base64url(new Uint8Array(32));

/**
 * The public half of an EC or Ed25519 private key, computed natively: the
 * uncompressed point (SEC 1 §2.3.3) or the 32-byte Ed25519 key (RFC 8032
 * §5.1.5). Undefined for RSA (no computation needed) or when this runtime
 * cannot do it; never throws.
 */
export function nativePublicKeyBytes(
  crypto: NodeCryptoModule,
  key: PrivateKey,
): Uint8Array | undefined {
  try {
    if (key.kind === 'ec') {
      const ecdh = crypto.createECDH(ECDH_CURVES[key.curve]);
      ecdh.setPrivateKey(key.scalar);
      return new Uint8Array(ecdh.getPublicKey());
    }
    if (key.kind === 'ed25519') {
      const jwk = { kty: 'OKP', crv: 'Ed25519', d: base64url(key.seed), x: PLACEHOLDER_X };
      const x = crypto
        .createPublicKey(crypto.createPrivateKey({ key: jwk, format: 'jwk' }))
        .export({
          format: 'jwk',
        }).x;
      return typeof x === 'string' ? fromBase64url(x) : undefined;
    }
  } catch {
    // fall through: the pure code computes it
  }
  return undefined;
}
