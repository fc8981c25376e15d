import { x25519 } from '@noble/curves/ed25519.js';
import { describe, expect, it } from 'vitest';
import { toHex } from '../../../crypto/tls/codec.js';
import {
  computeSharedSecret,
  generateKeyShare,
  NamedGroup,
} from '../../../crypto/tls/key-exchange.js';
import { seededRandom } from './engine-properties.js';
import { traceField } from './trace-fixtures.js';

const SIMPLE = 'Simple 1-RTT Handshake';

describe('key exchange', () => {
  it('X25519 reproduces the RFC 8448 shared secret', () => {
    const privateKey = traceField(SIMPLE, 'client', 'create an ephemeral x25519', 'private key');
    const share = {
      group: NamedGroup.x25519,
      privateKey,
      publicKey: x25519.getPublicKey(privateKey),
    };
    expect(toHex(share.publicKey)).toBe(
      toHex(traceField(SIMPLE, 'client', 'create an ephemeral x25519', 'public key')),
    );
    const serverPublic = traceField(SIMPLE, 'server', 'create an ephemeral x25519', 'public key');
    expect(toHex(computeSharedSecret(share, serverPublic))).toBe(
      toHex(traceField(SIMPLE, 'server', 'extract secret "handshake"', 'IKM')),
    );
  });

  for (const group of [NamedGroup.x25519, NamedGroup.secp256r1]) {
    it(`group 0x${group.toString(16)}: both sides agree`, () => {
      const a = generateKeyShare(group, seededRandom(1));
      const b = generateKeyShare(group, seededRandom(2));
      expect(a.publicKey.length).toBe(group === NamedGroup.x25519 ? 32 : 65);
      expect(toHex(computeSharedSecret(a, b.publicKey))).toBe(
        toHex(computeSharedSecret(b, a.publicKey)),
      );
    });
  }

  it('refuses an all-zero X25519 result (low-order point) and wrong lengths', () => {
    const a = generateKeyShare(NamedGroup.x25519, seededRandom(3));
    expect(() => computeSharedSecret(a, new Uint8Array(32))).toThrow(/illegal_parameter/);
    expect(() => computeSharedSecret(a, new Uint8Array(31))).toThrow(/illegal_parameter.*31/);
  });

  it('refuses P-256 shares that are compressed, off the curve or malformed', () => {
    const a = generateKeyShare(NamedGroup.secp256r1, seededRandom(4));
    const b = generateKeyShare(NamedGroup.secp256r1, seededRandom(5));
    const compressed = Uint8Array.of(2, ...b.publicKey.subarray(1, 33));
    expect(() => computeSharedSecret(a, compressed)).toThrow(/illegal_parameter.*uncompressed/);
    const offCurve = b.publicKey.slice();
    offCurve[64]! ^= 1;
    expect(() => computeSharedSecret(a, offCurve)).toThrow(/illegal_parameter.*not a point/);
    expect(() => computeSharedSecret(a, new Uint8Array(65).fill(0).fill(4, 0, 1))).toThrow(
      /illegal_parameter/,
    );
  });
});
