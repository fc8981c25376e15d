import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { TlsAlert } from '../../../crypto/tls/alert.js';
import { TlsReader, TlsWriter } from '../../../crypto/tls/codec.js';

describe('TLS codec', () => {
  it('round-trips integers and vectors', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 0, max: 0xff }),
        fc.integer({ min: 0, max: 0xffff }),
        fc.integer({ min: 0, max: 0xffffff }),
        fc.integer({ min: 0, max: 0xffffffff }),
        fc.uint8Array({ maxLength: 300 }),
        (a, b, c, d, v) => {
          const bytes = new TlsWriter()
            .u8(a)
            .u16(b)
            .u24(c)
            .u32(d)
            .vector(2, v)
            .vector(3, v)
            .finish();
          const r = new TlsReader(bytes, 'test');
          expect([r.u8(), r.u16(), r.u24(), r.u32()]).toEqual([a, b, c, d]);
          expect(r.vector(2)).toEqual(v);
          expect(r.vector(3)).toEqual(v);
          r.end();
          for (let n = 0; n < bytes.length; n++) {
            const t = new TlsReader(bytes.subarray(0, n), 'test');
            expect(() => {
              t.u8();
              t.u16();
              t.u24();
              t.u32();
              t.vector(2);
              t.vector(3);
            }).toThrow(TlsAlert);
          }
        },
      ),
      { numRuns: 50 },
    );
  });

  it('decode errors name what was being decoded', () => {
    const r = new TlsReader(Uint8Array.of(0, 5, 1), 'ClientHello');
    expect(() => r.vector(2)).toThrow(/decode_error: ClientHello: truncated/);
    expect(() => new TlsReader(Uint8Array.of(2, 1, 1), 'x').vector(1, 3)).toThrow(
      /vector length 2 outside 3/,
    );
    const trailing = new TlsReader(Uint8Array.of(1, 2), 'EncryptedExtensions');
    trailing.u8();
    expect(() => trailing.end()).toThrow(/1 unexpected trailing bytes/);
  });

  it('refuses to write a vector longer than its length prefix', () => {
    expect(() => new TlsWriter().vector(1, new Uint8Array(256))).toThrow(RangeError);
    expect(() => new TlsWriter().block(1, (w) => w.bytes(new Uint8Array(256)))).toThrow(RangeError);
  });

  it('nested blocks get their lengths filled in, past the initial buffer size', () => {
    fc.assert(
      fc.property(
        fc.uint8Array({ maxLength: 700 }),
        fc.uint8Array({ maxLength: 200 }),
        fc.constantFrom(1 as const, 2 as const, 3 as const),
        (outer, inner, prefix) => {
          const writer = new TlsWriter().u8(7);
          writer.block(3, (w) => {
            w.bytes(outer);
            w.block(2, (x) => x.vector(prefix, inner.subarray(0, 255)).u16(0xbeef));
          });
          const bytes = writer.u8(9).finish();
          const r = new TlsReader(bytes, 'test');
          expect(r.u8()).toBe(7);
          const body = r.sub(3, 'outer');
          expect(body.bytesN(outer.length)).toEqual(outer);
          const nested = body.sub(2, 'inner');
          expect(nested.vector(prefix)).toEqual(inner.subarray(0, 255));
          expect(nested.u16()).toBe(0xbeef);
          nested.end();
          body.end();
          expect(r.u8()).toBe(9);
          r.end();
        },
      ),
      { numRuns: 100 },
    );
  });
});
