import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { SendBuffer } from '../../../quic/streams/send-buffer.js';

function bytes(n: number, seed = 0): Uint8Array {
  const out = new Uint8Array(n);
  for (let i = 0; i < n; i++) out[i] = (i * 7 + seed) & 0xff;
  return out;
}

/** Hex comparison: fast for large arrays, with a readable diff. */
const hex = (b: Uint8Array) => Buffer.from(b.buffer, b.byteOffset, b.byteLength).toString('hex');

describe('SendBuffer', () => {
  it('copies writes (the caller may reuse its buffer)', () => {
    const b = new SendBuffer();
    const src = bytes(10);
    b.append(src);
    src.fill(0);
    expect(b.slice(0, 10)).toEqual(bytes(10));
  });

  it('slices across blocks and frees acknowledged prefixes', () => {
    const b = new SendBuffer();
    const all = bytes(100_000, 1);
    for (let at = 0; at < all.length; at += 333) b.append(all.subarray(at, at + 333));
    expect(b.end).toBe(100_000);
    expect(b.slice(16_000, 1000)).toEqual(all.subarray(16_000, 17_000));
    expect(b.slice(99_999, 1)).toEqual(all.subarray(99_999));
    b.freeBelow(50_000);
    expect(b.retainedFrom).toBe(50_000);
    expect(b.buffered).toBe(50_000);
    expect(() => b.slice(49_999, 2)).toThrow(RangeError);
    expect(b.slice(50_000, 10)).toEqual(all.subarray(50_000, 50_010));
    b.freeBelow(100_000);
    expect(b.buffered).toBe(0);
    b.append(bytes(5, 9));
    expect(b.slice(100_000, 5)).toEqual(bytes(5, 9));
  });

  it('any write pattern and slice returns the written bytes (property)', () => {
    fc.assert(
      fc.property(
        fc.array(fc.integer({ min: 0, max: 20_000 }), { minLength: 1, maxLength: 12 }),
        fc.array(fc.tuple(fc.nat(), fc.nat({ max: 5000 })), { maxLength: 20 }),
        fc.nat(),
        (writes, slices, freeAt) => {
          const b = new SendBuffer();
          const parts: Uint8Array[] = [];
          for (const [i, n] of writes.entries()) {
            const p = bytes(n, i);
            parts.push(p);
            b.append(p);
          }
          const all = Buffer.concat(parts);
          const free = all.length === 0 ? 0 : freeAt % all.length;
          b.freeBelow(free);
          for (const [start, len] of slices) {
            if (all.length - free === 0) break;
            const s = free + (start % (all.length - free));
            const n = Math.min(len, all.length - s);
            expect(hex(Buffer.from(b.slice(s, n)))).toBe(hex(all.subarray(s, s + n)));
          }
        },
      ),
    );
  });
});
