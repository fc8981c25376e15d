import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { frameSize } from '../../../quic/frame/encode-frame.js';
import {
  cryptoFrameCapacity,
  datagramFrameCapacity,
  streamFrameCapacity,
} from '../../../quic/frame/frame-capacity.js';

const bytes = (n: number) => new Uint8Array(n);

describe('frame capacity', () => {
  it('the largest STREAM frame that fits has frameSize <= space, and one more byte does not fit', () => {
    fc.assert(
      fc.property(
        fc.oneof(fc.nat({ max: 100 }), fc.maxSafeNat()),
        fc.oneof(fc.constant(0), fc.nat({ max: 20000 }), fc.maxSafeNat()),
        fc.nat({ max: 20000 }),
        fc.boolean(),
        (streamId, offset, space, explicitLength) => {
          const n = streamFrameCapacity(streamId, offset, space, explicitLength);
          const size = (len: number) =>
            frameSize({
              type: 'stream',
              streamId,
              offset,
              data: bytes(len),
              fin: false,
              explicitLength,
            });
          if (n < 0) {
            expect(size(0)).toBeGreaterThan(space);
            return;
          }
          expect(size(n)).toBeLessThanOrEqual(space);
          expect(size(n + 1)).toBeGreaterThan(space);
        },
      ),
    );
  });

  it('CRYPTO and DATAGRAM frames likewise', () => {
    fc.assert(
      fc.property(
        fc.oneof(fc.nat({ max: 100 }), fc.maxSafeNat()),
        fc.nat({ max: 20000 }),
        fc.boolean(),
        (offset, space, explicitLength) => {
          const c = cryptoFrameCapacity(offset, space);
          const cryptoSize = (len: number) =>
            frameSize({ type: 'crypto', offset, data: bytes(len) });
          if (c >= 0) {
            expect(cryptoSize(c)).toBeLessThanOrEqual(space);
            expect(cryptoSize(c + 1)).toBeGreaterThan(space);
          } else expect(cryptoSize(0)).toBeGreaterThan(space);
          const d = datagramFrameCapacity(space, explicitLength);
          const datagramSize = (len: number) =>
            frameSize({ type: 'datagram', data: bytes(len), explicitLength });
          if (d >= 0) {
            expect(datagramSize(d)).toBeLessThanOrEqual(space);
            expect(datagramSize(d + 1)).toBeGreaterThan(space);
          } else expect(datagramSize(0)).toBeGreaterThan(space);
        },
      ),
    );
  });

  it('a 2-byte Length boundary: 66 bytes of space fit 63 bytes, not 64', () => {
    // 1 type + 1 stream id + 1 length + 63 data = 66; 64 data would need a 2-byte length.
    expect(streamFrameCapacity(0, 0, 66, true)).toBe(63);
    expect(streamFrameCapacity(0, 0, 67, true)).toBe(63);
    expect(streamFrameCapacity(0, 0, 68, true)).toBe(64);
    expect(streamFrameCapacity(0, 0, 1, true)).toBe(-1);
    expect(streamFrameCapacity(0, 0, 2, false)).toBe(0);
  });
});
