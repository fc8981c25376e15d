import { describe, expect, it } from 'vitest';
import { PacketIv, splitPacketNumber } from '../../crypto/packet-nonce.js';
import { hex, RFC9001_VECTORS, RFC9369_VECTORS, toHex } from './quic-vectors.js';

describe('packet nonce (RFC 9001 §5.3)', () => {
  it('A.5: IV xor packet number 654360564, v1 and v2', () => {
    for (const v of [RFC9001_VECTORS, RFC9369_VECTORS]) {
      const nonce = new Uint8Array(12);
      new PacketIv(hex(v.chacha.iv)).writeNonce(v.chacha.packetNumber, nonce);
      expect(toHex(nonce)).toBe(v.chacha.nonce);
    }
  });

  it('places the 62-bit packet number in the last 8 bytes, big-endian', () => {
    const nonce = new Uint8Array(12);
    new PacketIv(new Uint8Array(12)).writeNonce(2n ** 62n - 1n, nonce);
    expect(toHex(nonce)).toBe('000000003fffffffffffffff');
    new PacketIv(new Uint8Array(12)).writeNonce(0x123456789a, nonce);
    expect(toHex(nonce)).toBe('00000000000000123456789a');
  });

  it('an IV that is not 12 bytes is a RangeError', () => {
    expect(() => new PacketIv(new Uint8Array(11))).toThrow(RangeError);
  });

  it('rejects values that are not packet numbers', () => {
    const out = new Int32Array(2);
    for (const bad of [-1, 0.5, Number.NaN, Number.POSITIVE_INFINITY, 2 ** 53, -1n, 2n ** 62n]) {
      expect(() => splitPacketNumber(bad, out)).toThrow(RangeError);
    }
    expect(() => splitPacketNumber('1' as never, out)).toThrow(RangeError);
  });
});
