import { describe, expect, it } from 'vitest';
import { BufferWriter } from '../../../quic/coding/writer.js';

const toHex = (b: Uint8Array) => Buffer.from(b).toString('hex');

describe('BufferWriter', () => {
  it('writes into a caller-supplied buffer at an offset', () => {
    const buf = new Uint8Array(10).fill(0xaa);
    const w = new BufferWriter(buf, 1);
    w.writeUint8(1);
    w.writeUint16(0x0203);
    w.writeUint32(0xfffefdfc);
    expect(w.offset).toBe(8);
    expect(toHex(buf)).toBe('aa010203fffefdfcaaaa');
    expect(w.remaining).toBe(2);
  });

  it('a fixed buffer throws RangeError on overflow and keeps its contents', () => {
    const w = new BufferWriter(new Uint8Array(3));
    w.writeUint16(0x0102);
    expect(() => w.writeUint16(1)).toThrow(RangeError);
    expect(() => w.writeVarint(16384)).toThrow(RangeError);
    expect(w.offset).toBe(2);
  });

  it('a growable buffer grows and keeps what was written', () => {
    const w = BufferWriter.growable(16);
    for (let i = 0; i < 100; i++) w.writeUint8(i);
    w.writeBytes(new Uint8Array(1000).fill(7));
    w.writeZeros(3);
    expect(w.offset).toBe(1103);
    const out = w.bytes();
    expect(out[99]).toBe(99);
    expect(out[1099]).toBe(7);
    expect(out[1102]).toBe(0);
  });

  it('reserve and fillVarint fill a Length field after the payload', () => {
    const w = BufferWriter.growable();
    w.writeUint8(0xc0);
    const at = w.reserve(2);
    w.writeBytes(Uint8Array.of(1, 2, 3));
    w.fillVarint(at, w.offset - at - 2, 2);
    expect(toHex(w.bytes())).toBe('c04003010203');
    expect(() => w.fillVarint(w.offset, 1, 2)).toThrow(RangeError);
    expect(() => w.fillVarint(at, 20000, 2)).toThrow(TypeError);
  });
});
