import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { HandshakeBuffer } from '../../../crypto/tls/handshake-buffer.js';

describe('HandshakeBuffer', () => {
  it('returns the bytes pushed, in order, however they were chunked and taken', () => {
    fc.assert(
      fc.property(
        fc.array(fc.uint8Array({ maxLength: 20 }), { maxLength: 10 }),
        fc.array(fc.nat(30), { maxLength: 10 }),
        (chunks, takes) => {
          const all = Uint8Array.from(chunks.flatMap((c) => [...c]));
          const buffer = new HandshakeBuffer();
          for (const c of chunks) buffer.push(c);
          expect(buffer.length).toBe(all.length);
          let offset = 0;
          for (const t of takes) {
            const n = Math.min(t, buffer.length);
            if (n > 0) expect(buffer.byteAt(n - 1)).toBe(all[offset + n - 1]);
            expect(buffer.take(n)).toEqual(all.subarray(offset, offset + n));
            offset += n;
          }
          expect(buffer.take(buffer.length)).toEqual(all.subarray(offset));
          expect(buffer.length).toBe(0);
        },
      ),
    );
  });

  it('keeps its own copy of pushed bytes', () => {
    const buffer = new HandshakeBuffer();
    const bytes = Uint8Array.of(1, 2, 3);
    buffer.push(bytes);
    bytes[0] = 9;
    expect(buffer.take(3)).toEqual(Uint8Array.of(1, 2, 3));
    expect(() => buffer.take(1)).toThrow(RangeError);
  });
});
