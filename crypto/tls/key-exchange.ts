// (EC)DHE key exchange for the two groups we offer (RFC 8446 §4.2.7, §7.4):
// X25519 and secp256r1 (uncompressed points), with peer shares validated.
// Private keys always come from the caller's random; the scalar
// multiplications run on node:crypto where it exists (native-key-exchange.ts)
// and on @noble/curves otherwise, with the same checks and alerts.
import { x25519 } from '@noble/curves/ed25519.js';
import { p256 } from '@noble/curves/nist.js';
import { TlsAlert } from './alert.js';
import {
  nativeP256PublicKey,
  nativeP256SharedSecret,
  nativeX25519PublicKey,
  nativeX25519SharedSecret,
} from './native-key-exchange.js';
import { type NodeCryptoModule, nativeTlsCrypto } from './native-tls-crypto.js';

export const NamedGroup = { secp256r1: 0x0017, x25519: 0x001d } as const;

export const SUPPORTED_GROUPS: readonly number[] = [NamedGroup.x25519, NamedGroup.secp256r1];

export interface KeyShare {
  readonly group: number;
  readonly privateKey: Uint8Array;
  readonly publicKey: Uint8Array;
}

export function isSupportedGroup(group: number): boolean {
  return group === NamedGroup.x25519 || group === NamedGroup.secp256r1;
}

export function generateKeyShare(group: number, random: (n: number) => Uint8Array): KeyShare {
  const native = nativeTlsCrypto();
  if (group === NamedGroup.x25519) {
    // A copy: the share must not change if the caller's random reuses its buffer
    // (native handles are cached per private-key array).
    const privateKey = random(32).slice();
    const publicKey =
      (native && nativeX25519PublicKey(native, privateKey)) ?? x25519.getPublicKey(privateKey);
    return { group, privateKey, publicKey };
  }
  if (group === NamedGroup.secp256r1) {
    // 48 random bytes reduced into [1, n-1] without bias (FIPS 186-5 A.4.1 style).
    const privateKey = p256.utils.randomSecretKey(random(48));
    // RFC 8446 §4.2.8.2: UncompressedPointRepresentation (0x04 || X || Y).
    const publicKey =
      (native && nativeP256PublicKey(native, privateKey)) ?? p256.getPublicKey(privateKey, false);
    return { group, privateKey, publicKey };
  }
  throw new TypeError(`unsupported group 0x${group.toString(16)}`);
}

/** The shared secret with a peer's share; a malformed or weak share is illegal_parameter. */
export function computeSharedSecret(share: KeyShare, peerPublic: Uint8Array): Uint8Array {
  if (share.group === NamedGroup.x25519) {
    if (peerPublic.length !== 32) {
      throw new TlsAlert(
        'illegal_parameter',
        `x25519 key share is ${peerPublic.length} bytes, not 32`,
      );
    }
    let secret: Uint8Array;
    try {
      secret = x25519SharedSecret(share.privateKey, peerPublic);
    } catch {
      throw new TlsAlert('illegal_parameter', 'x25519 key share is a low-order point');
    }
    // RFC 8446 §7.4.2: implementations MUST check whether the computed Diffie-Hellman
    // shared secret is the all-zero value and abort if so.
    if (secret.every((b) => b === 0)) {
      throw new TlsAlert('illegal_parameter', 'x25519 shared secret is all zeros');
    }
    return secret;
  }
  // RFC 8446 §4.2.8.2: peers MUST validate each other's public key; only the
  // uncompressed form (65 bytes, 0x04 prefix) is allowed.
  if (peerPublic.length !== 65 || peerPublic[0] !== 4) {
    throw new TlsAlert('illegal_parameter', 'secp256r1 key share is not an uncompressed point');
  }
  try {
    return p256SharedSecret(share.privateKey, peerPublic);
  } catch {
    throw new TlsAlert('illegal_parameter', 'secp256r1 key share is not a point on the curve');
  }
}

/**
 * node:crypto's answer, or undefined when it has none: the pure code then
 * decides, so a bad share fails with exactly the pure path's alert and an
 * operation this runtime lacks never looks like a bad share. (A bad share
 * thus costs one pure scalar multiplication, once per handshake.)
 */
function tryNative(
  compute: (
    crypto: NodeCryptoModule,
    privateKey: Uint8Array,
    peerPublic: Uint8Array,
  ) => Uint8Array | undefined,
  privateKey: Uint8Array,
  peerPublic: Uint8Array,
): Uint8Array | undefined {
  const native = nativeTlsCrypto();
  if (!native) return undefined;
  try {
    return compute(native, privateKey, peerPublic);
  } catch {
    return undefined;
  }
}

function x25519SharedSecret(privateKey: Uint8Array, peerPublic: Uint8Array): Uint8Array {
  return (
    tryNative(nativeX25519SharedSecret, privateKey, peerPublic) ??
    x25519.getSharedSecret(privateKey, peerPublic)
  );
}

/** RFC 8446 §7.4.1: the shared secret is the x-coordinate of the ECDH point. */
function p256SharedSecret(privateKey: Uint8Array, peerPublic: Uint8Array): Uint8Array {
  return (
    tryNative(nativeP256SharedSecret, privateKey, peerPublic) ??
    p256.getSharedSecret(privateKey, peerPublic, true).slice(1)
  );
}
