import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  decodePacketNumber,
  encodePacketNumberLength,
  readPacketNumber,
  writePacketNumber,
} from '../../../quic/packet/packet-number.js';

describe('packet numbers: RFC 9000 Appendix A.2 and A.3 examples', () => {
  it('A.2: acked 0xabe8b3, sending 0xac5c02 needs 16 bits', () => {
    expect(encodePacketNumberLength(0xac5c02, 0xabe8b3)).toBe(2);
  });
  it('A.2: acked 0xabe8b3, sending 0xace8fe needs 24 bits', () => {
    expect(encodePacketNumberLength(0xace8fe, 0xabe8b3)).toBe(3);
  });
  it('A.3: largest 0xa82f30ea, 16-bit 0x9b32 decodes to 0xa82f9b32', () => {
    expect(decodePacketNumber(0xa82f30ea, 0x9b32, 16)).toBe(0xa82f9b32);
  });
  it('RFC 9001 A.5: packet number 654360564 truncates to 0x00bff4 in 3 bytes', () => {
    const buf = new Uint8Array(3);
    writePacketNumber(buf, 0, 654360564, 3);
    expect(Buffer.from(buf).toString('hex')).toBe('00bff4');
    expect(decodePacketNumber(654360563, readPacketNumber(buf, 0, 3), 24)).toBe(654360564);
  });
});

describe('writePacketNumber', () => {
  it('writes the low bytes, big-endian, also above 2^31 and 2^32', () => {
    const cases: [number, number, string][] = [
      [0, 1, '00'],
      [0xff, 1, 'ff'],
      [0x1234, 2, '1234'],
      [0x80000000, 4, '80000000'],
      [0xfedcba98, 4, 'fedcba98'],
      [2 ** 32 + 0x0102, 2, '0102'],
      [2 ** 40 + 0xa1b2c3d4, 4, 'a1b2c3d4'],
      [Number.MAX_SAFE_INTEGER, 4, 'ffffffff'],
    ];
    for (const [pn, length, hex] of cases) {
      const buf = new Uint8Array(6).fill(0xee);
      writePacketNumber(buf, 1, pn, length);
      expect(Buffer.from(buf.subarray(1, 1 + length)).toString('hex'), `${pn}`).toBe(hex);
      expect(buf[0]).toBe(0xee);
      expect(buf[1 + length] ?? 0xee).toBe(0xee);
    }
  });
});

describe('packet numbers: properties', () => {
  it('before any ACK the full packet number is represented', () => {
    expect(encodePacketNumberLength(0, undefined)).toBe(1);
    expect(encodePacketNumberLength(127, undefined)).toBe(1);
    expect(encodePacketNumberLength(128, undefined)).toBe(2);
    expect(encodePacketNumberLength(2 ** 31, undefined)).toBe(4);
  });

  it('a number truncated with the chosen length decodes back at the receiver', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 0, max: 2 ** 48 }),
        fc.integer({ min: 1, max: 2 ** 30 }),
        fc.nat(),
        (largestAcked, ahead, lag) => {
          const pn = largestAcked + ahead;
          const length = encodePacketNumberLength(pn, largestAcked);
          const buf = new Uint8Array(4);
          writePacketNumber(buf, 0, pn, length);
          const truncated = readPacketNumber(buf, 0, length);
          // The receiver has processed anything between largestAcked and pn - 1.
          const largestReceived = largestAcked + (lag % ahead);
          expect(decodePacketNumber(largestReceived, truncated, length * 8)).toBe(pn);
        },
      ),
    );
  });

  it('decodes the first packet of a space (no packet received yet)', () => {
    expect(decodePacketNumber(-1, 0, 8)).toBe(0);
    expect(decodePacketNumber(-1, 5, 32)).toBe(5);
  });

  it('never goes below zero and stays within the window', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: -1, max: 2 ** 48 }),
        fc.constantFrom(8, 16, 24, 32),
        fc.nat(),
        (largest, bits, raw) => {
          const truncated = raw % 2 ** bits;
          const pn = decodePacketNumber(largest, truncated, bits);
          expect(pn).toBeGreaterThanOrEqual(0);
          expect(pn % 2 ** bits).toBe(truncated);
          expect(Math.abs(pn - (largest + 1))).toBeLessThanOrEqual(2 ** bits);
        },
      ),
    );
  });
});
