import { describe, expect, it } from 'vitest';
import { decodeAckDelay, encodeAckDelay } from '../../../quic/recovery/ack-delay.js';

describe('ACK Delay field (RFC 9000 §19.3)', () => {
  it('decodes field * 2^exponent microseconds into ms', () => {
    expect(decodeAckDelay(1000, 3)).toBe(8);
    expect(decodeAckDelay(0n, 3)).toBe(0);
    expect(decodeAckDelay(125n, 0)).toBe(0.125);
    // The largest varint with the largest exponent stays a finite number.
    expect(Number.isFinite(decodeAckDelay(2n ** 62n - 1n, 20))).toBe(true);
  });

  it('encodes microseconds with the exponent, rounding down', () => {
    expect(encodeAckDelay(12_500, 3)).toBe(1562);
    expect(encodeAckDelay(7, 3)).toBe(0);
    expect(encodeAckDelay(-5, 3)).toBe(0);
    expect(encodeAckDelay(Number.NaN, 3)).toBe(0);
  });

  it('round trips within the resolution of the exponent', () => {
    for (const exponent of [0, 3, 10, 20]) {
      for (const micros of [0, 1, 999, 25_000, 123_456_789]) {
        const back = decodeAckDelay(encodeAckDelay(micros, exponent), exponent) * 1000;
        expect(back).toBeLessThanOrEqual(micros);
        expect(micros - back).toBeLessThan(2 ** exponent);
      }
    }
  });

  it('rejects an exponent above 20 (RFC 9000 §18.2)', () => {
    expect(() => decodeAckDelay(1, 21)).toThrow(/ack_delay_exponent/);
    expect(() => encodeAckDelay(1, -1)).toThrow(TypeError);
  });
});
