import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { TransportError, TransportErrorCode } from '../../../quic/errors.js';
import { ReassemblyBuffer } from '../../../quic/streams/reassembly-buffer.js';

function bytes(n: number, seed = 0): Uint8Array {
  const out = new Uint8Array(n);
  for (let i = 0; i < n; i++) out[i] = (i * 31 + seed) & 0xff;
  return out;
}

/** Hex comparison: fast for large arrays, with a readable diff. */
const hex = (b: Uint8Array) => Buffer.from(b.buffer, b.byteOffset, b.byteLength).toString('hex');

function readAll(buf: ReassemblyBuffer, step = 1 << 30): Uint8Array {
  const parts: Uint8Array[] = [];
  for (;;) {
    const chunk = buf.read(step);
    if (chunk.length === 0) break;
    parts.push(chunk);
  }
  return Buffer.concat(parts);
}

describe('ReassemblyBuffer', () => {
  it('delivers in-order data and nothing past a gap', () => {
    const buf = new ReassemblyBuffer();
    const src = bytes(100);
    buf.insert(0, src.subarray(0, 10));
    buf.insert(20, src.subarray(20, 30));
    expect(buf.readable).toBe(10);
    expect(buf.fragments).toBe(2);
    expect(buf.read(100)).toEqual(src.subarray(0, 10));
    expect(buf.read(100).length).toBe(0);
    buf.insert(10, src.subarray(10, 20));
    expect(buf.fragments).toBe(1);
    expect(buf.read(5)).toEqual(src.subarray(10, 15));
    expect(buf.read(100)).toEqual(src.subarray(15, 30));
    expect(buf.readOffset).toBe(30);
  });

  it('ignores data below the read offset and duplicates (first copy wins)', () => {
    const buf = new ReassemblyBuffer();
    buf.insert(0, bytes(10));
    expect(buf.read(10)).toEqual(bytes(10));
    buf.insert(0, bytes(10, 7));
    expect(buf.readable).toBe(0);
    buf.insert(5, bytes(10, 1)); // bytes 5..9 are stale, 10..14 are new
    expect(buf.readable).toBe(5);
    expect(buf.read(10)).toEqual(bytes(10, 1).subarray(5));
  });

  it('wraps around the ring without corrupting data', () => {
    const buf = new ReassemblyBuffer();
    const src = bytes(10_000, 3);
    let offset = 0;
    let read = 0;
    const out: Uint8Array[] = [];
    while (read < src.length) {
      const n = Math.min(700, src.length - offset);
      if (n > 0) buf.insert(offset, src.subarray(offset, offset + n));
      offset += n;
      const chunk = buf.read(500);
      read += chunk.length;
      out.push(chunk);
    }
    expect(hex(Buffer.concat(out))).toBe(hex(Buffer.from(src)));
    // The ring never needed more than the unread span (at most ~ 200 * iterations, well below 10k).
    expect(buf.capacity).toBeLessThanOrEqual(8192);
  });

  it('any permutation of overlapping, duplicated chunks reassembles the original (property)', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 3000 }),
        fc.array(fc.tuple(fc.nat(), fc.integer({ min: 0, max: 400 })), { maxLength: 40 }),
        fc.integer({ min: 1, max: 5000 }),
        fc.infiniteStream(fc.nat()),
        (length, extra, readStep, order) => {
          const src = bytes(length, length);
          // Chunks that cover everything (a tiling) plus random overlapping ones.
          const chunks: Array<[number, number]> = [];
          for (let at = 0; at < length; at += 97) chunks.push([at, Math.min(length, at + 97)]);
          for (const [start, len] of extra) {
            const s = start % length;
            chunks.push([s, Math.min(length, s + len)]);
          }
          // Shuffle with the generated stream, duplicate some.
          const it = order[Symbol.iterator]();
          for (let i = chunks.length - 1; i > 0; i--) {
            const j = (it.next().value as number) % (i + 1);
            [chunks[i], chunks[j]] = [chunks[j]!, chunks[i]!];
          }
          const buf = new ReassemblyBuffer();
          const out: Uint8Array[] = [];
          let maxSpan = 0;
          for (const [s, e] of chunks) {
            maxSpan = Math.max(maxSpan, e - buf.readOffset);
            buf.insert(s, src.subarray(s, e));
            if ((it.next().value as number) % 3 === 0) out.push(buf.read(readStep));
            // Memory bounded by the largest span from the read offset (power-of-two rounding).
            expect(buf.capacity).toBeLessThanOrEqual(Math.max(1024, 2 * maxSpan));
          }
          out.push(readAll(buf, readStep));
          expect(hex(Buffer.concat(out))).toBe(hex(Buffer.from(src)));
          expect(buf.readOffset).toBe(length);
        },
      ),
    );
  });

  it('tolerates many small fragments: 1-byte chunks every other byte then the fill', () => {
    const n = 2000;
    const buf = new ReassemblyBuffer(n);
    const src = bytes(2 * n);
    for (let i = 1; i < 2 * n; i += 2) buf.insert(i, src.subarray(i, i + 1));
    expect(buf.fragments).toBe(n);
    for (let i = 0; i < 2 * n; i += 2) buf.insert(i, src.subarray(i, i + 1));
    expect(buf.fragments).toBe(1);
    expect(hex(readAll(buf))).toBe(hex(Buffer.from(src)));
  });

  it('RFC 9000 §21.7: too many gaps is a PROTOCOL_VIOLATION', () => {
    const buf = new ReassemblyBuffer(10);
    for (let i = 0; i < 10; i++) buf.insert(2 * i + 1, bytes(1));
    let error: unknown;
    try {
      buf.insert(100, bytes(1));
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(TransportError);
    expect((error as TransportError).code).toBe(TransportErrorCode.PROTOCOL_VIOLATION);
  });

  it('discard drops buffered data and later data below the offset', () => {
    const buf = new ReassemblyBuffer();
    buf.insert(0, bytes(100));
    buf.discard(100);
    expect(buf.readable).toBe(0);
    expect(buf.capacity).toBe(0);
    buf.insert(50, bytes(50));
    expect(buf.readable).toBe(0);
    buf.insert(100, bytes(5));
    expect(buf.readable).toBe(5);
  });

  it('keeps the ring across reads, frees it on release() once empty', () => {
    const buf = new ReassemblyBuffer();
    buf.insert(0, bytes(200_000));
    expect(buf.capacity).toBeGreaterThanOrEqual(200_000);
    buf.release(); // not empty: kept
    expect(buf.capacity).toBeGreaterThanOrEqual(200_000);
    expect(buf.read(1 << 20).length).toBe(200_000);
    buf.insert(200_000, bytes(10));
    expect(buf.capacity).toBeGreaterThanOrEqual(200_000); // reused, not reallocated
    buf.read(10);
    buf.release();
    expect(buf.capacity).toBe(0);
  });
});
