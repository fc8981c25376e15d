import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { BufferReader } from '../../../quic/coding/reader.js';
import {
  MAX_SAFE_VARINT,
  MAX_VARINT_BIG,
  varintLength,
  writeVarintAt,
  writeVarintBigAt,
} from '../../../quic/coding/varint.js';
import { BufferWriter } from '../../../quic/coding/writer.js';
import { TransportError, TransportErrorCode } from '../../../quic/errors.js';

const hex = (s: string) => Uint8Array.from(Buffer.from(s.replace(/\s+/g, ''), 'hex'));
const toHex = (b: Uint8Array) => Buffer.from(b).toString('hex');

describe('varint: RFC 9000 Appendix A.1 examples', () => {
  it('0xc2197c5eff14e88c decodes to 151,288,809,941,952,652 (exact as bigint)', () => {
    expect(new BufferReader(hex('c2197c5eff14e88c')).readVarintBig()).toBe(151288809941952652n);
  });
  it('the same 8-byte value saturates to 2^53-1 as a number', () => {
    const r = new BufferReader(hex('c2197c5eff14e88c'));
    expect(r.readVarint()).toBe(MAX_SAFE_VARINT);
    expect(r.offset).toBe(8);
  });
  it('0x9d7f3e7d decodes to 494,878,333', () => {
    expect(new BufferReader(hex('9d7f3e7d')).readVarint()).toBe(494878333);
  });
  it('0x7bbd decodes to 15,293', () => {
    expect(new BufferReader(hex('7bbd')).readVarint()).toBe(15293);
  });
  it('0x25 decodes to 37, as does 0x4025', () => {
    expect(new BufferReader(hex('25')).readVarint()).toBe(37);
    expect(new BufferReader(hex('4025')).readVarint()).toBe(37);
  });
  it('encodes the examples with their lengths', () => {
    const w = BufferWriter.growable(4);
    w.writeVarintBig(151288809941952652n);
    w.writeVarint(494878333);
    w.writeVarint(15293);
    w.writeVarint(37);
    w.writeVarint(37, 2);
    expect(toHex(w.bytes())).toBe('c2197c5eff14e88c9d7f3e7d7bbd254025');
  });
});

describe('varint: lengths and limits', () => {
  it('uses the minimal length at each boundary', () => {
    expect(
      [0, 63, 64, 16383, 16384, 2 ** 30 - 1, 2 ** 30, MAX_SAFE_VARINT].map(varintLength),
    ).toEqual([1, 1, 2, 2, 4, 4, 8, 8]);
    expect(varintLength(MAX_VARINT_BIG)).toBe(8);
  });
  it('rejects values out of range and bad forced lengths with TypeError', () => {
    const buf = new Uint8Array(8);
    expect(() => varintLength(-1)).toThrow(TypeError);
    expect(() => varintLength(1.5)).toThrow(TypeError);
    expect(() => varintLength(2 ** 53)).toThrow(TypeError);
    expect(() => varintLength(MAX_VARINT_BIG + 1n)).toThrow(TypeError);
    expect(() => writeVarintAt(buf, 0, 64, 1)).toThrow(TypeError);
    expect(() => writeVarintAt(buf, 0, 1, 3)).toThrow(TypeError);
    expect(() => writeVarintBigAt(buf, 0, 1n << 30n, 2)).toThrow(TypeError);
  });
  it('reads 2^53-1 exactly and 2^53 saturates', () => {
    const w = BufferWriter.growable();
    w.writeVarint(MAX_SAFE_VARINT);
    w.writeVarintBig(1n << 53n);
    const r = new BufferReader(w.bytes());
    expect(r.readVarint()).toBe(MAX_SAFE_VARINT);
    expect(r.readVarint()).toBe(MAX_SAFE_VARINT);
  });
  it('round trips every number in range, minimal and forced lengths', () => {
    fc.assert(
      fc.property(fc.maxSafeNat(), fc.constantFrom(undefined, 1, 2, 4, 8), (value, forced) => {
        const len = forced === undefined ? varintLength(value) : forced;
        fc.pre(len >= varintLength(value));
        const w = BufferWriter.growable(1);
        w.writeVarint(value, forced);
        expect(w.offset).toBe(len);
        const r = new BufferReader(w.bytes());
        expect(r.readVarint()).toBe(value);
        expect(r.remaining).toBe(0);
      }),
    );
  });
  it('round trips every bigint in 0..2^62-1', () => {
    fc.assert(
      fc.property(fc.bigInt({ min: 0n, max: MAX_VARINT_BIG }), (value) => {
        const w = BufferWriter.growable(1);
        w.writeVarintBig(value);
        expect(new BufferReader(w.bytes()).readVarintBig()).toBe(value);
      }),
    );
  });
  it('every truncated prefix fails with FRAME_ENCODING_ERROR', () => {
    for (const encoded of ['c2197c5eff14e88c', '9d7f3e7d', '7bbd', '25']) {
      const bytes = hex(encoded);
      for (let n = 0; n < bytes.length; n++) {
        const r = new BufferReader(bytes.subarray(0, n));
        for (const read of [() => r.readVarint(), () => r.readVarintBig()]) {
          try {
            read();
            expect.unreachable();
          } catch (e) {
            expect(e).toBeInstanceOf(TransportError);
            expect((e as TransportError).code).toBe(TransportErrorCode.FRAME_ENCODING_ERROR);
          }
        }
      }
    }
  });
});
