// X25519 and P-256 ECDHE on node:crypto. The private key still comes from
// the caller's random (key-exchange.ts draws it), so a share is the same
// bytes on either path; only the scalar multiplications are native. Each
// function returns undefined when this runtime cannot do the operation, and
// the caller then uses the pure code. The public-key functions never throw;
// the shared-secret ones throw for shares OpenSSL refuses, and the caller
// then lets the pure code decide (and raise the alert).
import type * as NodeCrypto from 'node:crypto';
import { base64url, fromBase64url, type NodeCryptoModule } from './native-tls-crypto.js';

/** A native handle per share private key, so the key is imported once per share. */
const x25519Keys = new WeakMap<Uint8Array, NodeCrypto.KeyObject>();
const p256Keys = new WeakMap<Uint8Array, NodeCrypto.ECDH>();

// Node's JWK import requires `x` for a private OKP key but derives the public
// key from `d` alone; the placeholder is never used.
const PLACEHOLDER_X = base64url(new Uint8Array(32));

function x25519Key(
  crypto: NodeCryptoModule,
  privateKey: Uint8Array,
): NodeCrypto.KeyObject | undefined {
  let key = x25519Keys.get(privateKey);
  if (!key) {
    try {
      key = crypto.createPrivateKey({
        key: { kty: 'OKP', crv: 'X25519', d: base64url(privateKey), x: PLACEHOLDER_X },
        format: 'jwk',
      });
    } catch {
      return undefined;
    }
    x25519Keys.set(privateKey, key);
  }
  return key;
}

function p256Key(crypto: NodeCryptoModule, privateKey: Uint8Array): NodeCrypto.ECDH | undefined {
  let ecdh = p256Keys.get(privateKey);
  if (!ecdh) {
    try {
      ecdh = crypto.createECDH('prime256v1');
      ecdh.setPrivateKey(privateKey);
    } catch {
      return undefined;
    }
    p256Keys.set(privateKey, ecdh);
  }
  return ecdh;
}

/** RFC 7748 §6.1: the X25519 public key for a 32-byte private key. */
export function nativeX25519PublicKey(
  crypto: NodeCryptoModule,
  privateKey: Uint8Array,
): Uint8Array | undefined {
  const key = x25519Key(crypto, privateKey);
  if (!key) return undefined;
  try {
    const x = crypto.createPublicKey(key).export({ format: 'jwk' }).x;
    return typeof x === 'string' ? fromBase64url(x) : undefined;
  } catch {
    return undefined;
  }
}

/** RFC 8446 §4.2.8.2: the uncompressed P-256 public point (0x04 || X || Y). */
export function nativeP256PublicKey(
  crypto: NodeCryptoModule,
  privateKey: Uint8Array,
): Uint8Array | undefined {
  const ecdh = p256Key(crypto, privateKey);
  try {
    return ecdh ? new Uint8Array(ecdh.getPublicKey()) : undefined;
  } catch {
    return undefined;
  }
}

/**
 * X25519(private, peer) (RFC 7748 §5). Throws when OpenSSL refuses the
 * result (it rejects the all-zero output of a low-order point); undefined
 * when this runtime has no native X25519.
 */
export function nativeX25519SharedSecret(
  crypto: NodeCryptoModule,
  privateKey: Uint8Array,
  peerPublic: Uint8Array,
): Uint8Array | undefined {
  const key = x25519Key(crypto, privateKey);
  if (!key) return undefined;
  const peer = crypto.createPublicKey({
    key: { kty: 'OKP', crv: 'X25519', x: base64url(peerPublic) },
    format: 'jwk',
  });
  return new Uint8Array(crypto.diffieHellman({ privateKey: key, publicKey: peer }));
}

/**
 * The P-256 ECDH x-coordinate (RFC 8446 §7.4.1). Throws when the peer point
 * does not decode or is not on the curve (OpenSSL checks both); undefined
 * when this runtime has no native P-256.
 */
export function nativeP256SharedSecret(
  crypto: NodeCryptoModule,
  privateKey: Uint8Array,
  peerPublic: Uint8Array,
): Uint8Array | undefined {
  const ecdh = p256Key(crypto, privateKey);
  if (!ecdh) return undefined;
  return new Uint8Array(ecdh.computeSecret(peerPublic));
}
