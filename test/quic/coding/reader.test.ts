import { describe, expect, it } from 'vitest';
import { BufferReader } from '../../../quic/coding/reader.js';
import { TransportError, TransportErrorCode } from '../../../quic/errors.js';

describe('BufferReader', () => {
  it('reads fixed-width integers in network byte order', () => {
    const r = new BufferReader(Uint8Array.of(1, 2, 3, 0xff, 0xfe, 0xfd, 0xfc));
    expect(r.readUint8()).toBe(1);
    expect(r.readUint16()).toBe(0x0203);
    expect(r.readUint32()).toBe(0xfffefdfc);
    expect(r.remaining).toBe(0);
  });

  it('readBytes returns a view into the same memory', () => {
    const bytes = Uint8Array.of(9, 8, 7, 6);
    const r = new BufferReader(bytes, 1);
    const view = r.readBytes(2);
    expect([...view]).toEqual([8, 7]);
    bytes[1] = 42;
    expect(view[0]).toBe(42);
    expect(view.buffer).toBe(bytes.buffer);
  });

  it('respects offset and end bounds', () => {
    const r = new BufferReader(Uint8Array.of(1, 2, 3, 4), 1, 3);
    expect(r.remaining).toBe(2);
    expect(r.readUint16()).toBe(0x0203);
    expect(() => r.readUint8()).toThrow(TransportError);
    expect(() => new BufferReader(new Uint8Array(2), 0, 3)).toThrow(TypeError);
    expect(() => new BufferReader(new Uint8Array(2), 2, 1)).toThrow(TypeError);
  });

  it('truncation throws the configured code and frame type, without moving', () => {
    const r = new BufferReader(
      Uint8Array.of(1),
      0,
      1,
      TransportErrorCode.TRANSPORT_PARAMETER_ERROR,
    );
    r.frameType = 0x06;
    for (const read of [
      () => r.readUint16(),
      () => r.readUint32(),
      () => r.readBytes(2),
      () => r.skip(2),
    ]) {
      try {
        read();
        expect.unreachable();
      } catch (e) {
        expect(e).toBeInstanceOf(TransportError);
        expect((e as TransportError).code).toBe(TransportErrorCode.TRANSPORT_PARAMETER_ERROR);
        expect((e as TransportError).frameType).toBe(0x06);
      }
      expect(r.offset).toBe(0);
    }
    expect(r.peekUint8()).toBe(1);
  });
});
