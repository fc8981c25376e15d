// BufferWriter: a cursor that writes into a caller-supplied Uint8Array (fixed:
// overflowing it throws RangeError, a programming error) or into a growable
// buffer (BufferWriter.growable()). Used to build packets and frames.
//
//   const w = new BufferWriter(datagramBuffer)      // or BufferWriter.growable(64)
//   w.writeVarint(v) / writeVarintBig(v) / writeUint8/16/32 / writeBytes / writeZeros
//   const at = w.reserve(2)                          // e.g. a Length field
//   ...payload...; w.fillVarint(at, length, 2)       // forced 2-byte varint
//   w.bytes()   the written bytes, a view (no copy); w.offset, w.remaining

import { varintLength, writeVarintAt, writeVarintBigAt } from './varint.js';

export class BufferWriter {
  buffer: Uint8Array;
  offset: number;
  private readonly canGrow: boolean;

  constructor(buffer: Uint8Array, offset = 0, canGrow = false) {
    if (!(offset >= 0 && offset <= buffer.length)) {
      throw new TypeError(`BufferWriter offset ${offset} is outside 0..${buffer.length}`);
    }
    this.buffer = buffer;
    this.offset = offset;
    this.canGrow = canGrow;
  }

  /** A writer over its own buffer that doubles when full. */
  static growable(initialCapacity = 64): BufferWriter {
    return new BufferWriter(new Uint8Array(Math.max(16, initialCapacity)), 0, true);
  }

  /** Bytes left before a fixed buffer is full (growable: before it grows). */
  get remaining(): number {
    return this.buffer.length - this.offset;
  }

  /** The bytes written so far: a view of the underlying buffer. */
  bytes(): Uint8Array {
    return this.buffer.subarray(0, this.offset);
  }

  /** Makes room for `n` more bytes or throws RangeError. */
  ensure(n: number): void {
    if (this.buffer.length - this.offset >= n) return;
    if (!this.canGrow) {
      throw new RangeError(
        `BufferWriter overflow: writing ${n} bytes at ${this.offset} of ${this.buffer.length}`,
      );
    }
    let size = this.buffer.length * 2;
    while (size - this.offset < n) size *= 2;
    const next = new Uint8Array(size);
    next.set(this.buffer.subarray(0, this.offset));
    this.buffer = next;
  }

  writeUint8(v: number): void {
    this.ensure(1);
    this.buffer[this.offset++] = v;
  }

  writeUint16(v: number): void {
    this.ensure(2);
    const b = this.buffer;
    const o = this.offset;
    b[o] = v >>> 8;
    b[o + 1] = v;
    this.offset = o + 2;
  }

  writeUint32(v: number): void {
    this.ensure(4);
    const b = this.buffer;
    const o = this.offset;
    b[o] = v >>> 24;
    b[o + 1] = v >>> 16;
    b[o + 2] = v >>> 8;
    b[o + 3] = v;
    this.offset = o + 4;
  }

  /** A varint, minimal length unless `length` (1, 2, 4, 8) forces one. */
  writeVarint(v: number, length?: number): void {
    this.ensure(length ?? varintLength(v));
    this.offset = writeVarintAt(this.buffer, this.offset, v, length);
  }

  writeVarintBig(v: bigint, length?: number): void {
    this.ensure(length ?? varintLength(v));
    this.offset = writeVarintBigAt(this.buffer, this.offset, v, length);
  }

  writeBytes(data: Uint8Array): void {
    this.ensure(data.length);
    this.buffer.set(data, this.offset);
    this.offset += data.length;
  }

  /** `n` zero bytes (e.g. PADDING). */
  writeZeros(n: number): void {
    this.ensure(n);
    this.buffer.fill(0, this.offset, this.offset + n);
    this.offset += n;
  }

  /** Skips `n` bytes to fill later; returns their offset. */
  reserve(n: number): number {
    this.ensure(n);
    const at = this.offset;
    this.offset += n;
    return at;
  }

  /** Fills a reserved varint field at `at` with exactly `length` bytes. */
  fillVarint(at: number, v: number, length: number): void {
    if (!(at >= 0 && at + length <= this.offset)) {
      throw new RangeError(
        `fillVarint at ${at} (+${length}) is outside the written 0..${this.offset}`,
      );
    }
    writeVarintAt(this.buffer, at, v, length);
  }
}
