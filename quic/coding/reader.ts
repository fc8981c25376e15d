// BufferReader: a bounds-checked cursor over a Uint8Array, used for frames and
// transport parameters. Reading past the end throws TransportError with the
// reader's `errorCode` (FRAME_ENCODING_ERROR by default; transport parameters
// use TRANSPORT_PARAMETER_ERROR) and `frameType` (set by decodeFrame before it
// parses a frame body, so truncation errors name the frame, RFC 9000 §19.19).
//
//   const r = new BufferReader(payload)
//   r.readVarint() / readVarintBig() / readUint8() / readUint16() / readUint32()
//   r.readBytes(n)   a subarray view into the same memory, no copy
//   r.offset, r.end, r.remaining, r.skip(n), r.peekUint8()
//
// readVarint() saturates values above 2^53-1 to MAX_SAFE_VARINT (see varint.ts).

import { TransportError, TransportErrorCode } from '../errors.js';
import { readVarintAt, readVarintBigAt, varintLengthFromFirstByte } from './varint.js';

export class BufferReader {
  readonly bytes: Uint8Array;
  /** Current read position (absolute index into `bytes`). */
  offset: number;
  /** End of the readable region (exclusive). */
  readonly end: number;
  /** Error code thrown on truncation. */
  errorCode: number;
  /** Frame type attached to truncation errors, when one is being parsed. */
  frameType: number | undefined;

  constructor(
    bytes: Uint8Array,
    offset = 0,
    end: number = bytes.length,
    errorCode: number = TransportErrorCode.FRAME_ENCODING_ERROR,
  ) {
    if (!(offset >= 0 && offset <= end && end <= bytes.length)) {
      throw new TypeError(`BufferReader range ${offset}..${end} is outside 0..${bytes.length}`);
    }
    this.bytes = bytes;
    this.offset = offset;
    this.end = end;
    this.errorCode = errorCode;
    this.frameType = undefined;
  }

  get remaining(): number {
    return this.end - this.offset;
  }

  /** Throws the reader's TransportError; `what` names the field for the reason. */
  fail(reason: string, code: number = this.errorCode): never {
    throw new TransportError(code, reason, this.frameType);
  }

  private need(n: number, what: string): void {
    if (this.end - this.offset < n) {
      this.fail(`truncated ${what}: need ${n} bytes, ${this.end - this.offset} left`);
    }
  }

  peekUint8(): number {
    this.need(1, 'uint8');
    return this.bytes[this.offset]!;
  }

  readUint8(): number {
    this.need(1, 'uint8');
    return this.bytes[this.offset++]!;
  }

  readUint16(): number {
    this.need(2, 'uint16');
    const b = this.bytes;
    const o = this.offset;
    this.offset = o + 2;
    return (b[o]! << 8) | b[o + 1]!;
  }

  readUint32(): number {
    this.need(4, 'uint32');
    const b = this.bytes;
    const o = this.offset;
    this.offset = o + 4;
    return b[o]! * 0x100_0000 + ((b[o + 1]! << 16) | (b[o + 2]! << 8) | b[o + 3]!);
  }

  /** A varint as a number; values above 2^53-1 saturate to MAX_SAFE_VARINT. */
  readVarint(): number {
    if (this.offset >= this.end) this.fail('truncated varint: no bytes left');
    const len = varintLengthFromFirstByte(this.bytes[this.offset]!);
    if (this.end - this.offset < len) {
      this.fail(`truncated varint: need ${len} bytes, ${this.end - this.offset} left`);
    }
    const v = readVarintAt(this.bytes, this.offset);
    this.offset += len;
    return v;
  }

  /** A varint as an exact bigint (0..2^62-1). */
  readVarintBig(): bigint {
    if (this.offset >= this.end) this.fail('truncated varint: no bytes left');
    const len = varintLengthFromFirstByte(this.bytes[this.offset]!);
    if (this.end - this.offset < len) {
      this.fail(`truncated varint: need ${len} bytes, ${this.end - this.offset} left`);
    }
    const v = readVarintBigAt(this.bytes, this.offset);
    this.offset += len;
    return v;
  }

  /** `n` bytes as a subarray view (no copy). */
  readBytes(n: number): Uint8Array {
    this.need(n, 'bytes');
    const o = this.offset;
    this.offset = o + n;
    return this.bytes.subarray(o, o + n);
  }

  skip(n: number): void {
    this.need(n, 'bytes');
    this.offset += n;
  }
}
