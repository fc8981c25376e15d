// Bounds-checked reader and writer for the TLS presentation language
// (RFC 8446 §3): big-endian u8/u16/u24/u32 and length-prefixed vectors.
// Every read past the end, or a vector whose length prefix overruns its
// container, is a TlsAlert('decode_error'), never a RangeError.
import { TlsAlert } from './alert.js';

export class TlsReader {
  private offset = 0;

  constructor(
    private readonly bytes: Uint8Array,
    /** What is being decoded, for error messages. */
    readonly what: string,
  ) {}

  get remaining(): number {
    return this.bytes.length - this.offset;
  }

  private need(n: number): void {
    if (n > this.remaining) {
      throw new TlsAlert(
        'decode_error',
        `${this.what}: truncated (needed ${n} bytes, ${this.remaining} left)`,
      );
    }
  }

  u8(): number {
    this.need(1);
    return this.bytes[this.offset++]!;
  }

  u16(): number {
    this.need(2);
    const v = (this.bytes[this.offset]! << 8) | this.bytes[this.offset + 1]!;
    this.offset += 2;
    return v;
  }

  u24(): number {
    this.need(3);
    const b = this.bytes;
    const o = this.offset;
    this.offset += 3;
    return (b[o]! << 16) | (b[o + 1]! << 8) | b[o + 2]!;
  }

  u32(): number {
    this.need(4);
    const b = this.bytes;
    const o = this.offset;
    this.offset += 4;
    return ((b[o]! << 24) | (b[o + 1]! << 16) | (b[o + 2]! << 8) | b[o + 3]!) >>> 0;
  }

  /** A copy of the next n bytes. */
  bytesN(n: number): Uint8Array {
    this.need(n);
    const out = this.bytes.slice(this.offset, this.offset + n);
    this.offset += n;
    return out;
  }

  /** opaque x<min..2^8-1>, <..2^16-1> or <..2^24-1>: the length prefix has 1, 2 or 3 bytes. */
  vector(prefixBytes: 1 | 2 | 3, min = 0, max = Number.POSITIVE_INFINITY): Uint8Array {
    const length = prefixBytes === 1 ? this.u8() : prefixBytes === 2 ? this.u16() : this.u24();
    if (length < min || length > max) {
      throw new TlsAlert(
        'decode_error',
        `${this.what}: vector length ${length} outside ${min}..${max}`,
      );
    }
    return this.bytesN(length);
  }

  /** A reader over the contents of the next length-prefixed vector. */
  sub(prefixBytes: 1 | 2 | 3, what: string, min = 0): TlsReader {
    return new TlsReader(this.vector(prefixBytes, min), `${this.what}: ${what}`);
  }

  /** Every decoder ends here: trailing bytes are a decode error too. */
  end(): void {
    if (this.remaining !== 0) {
      throw new TlsAlert(
        'decode_error',
        `${this.what}: ${this.remaining} unexpected trailing bytes`,
      );
    }
  }
}

/**
 * Builds a TLS structure in one growable byte buffer. Nested length-prefixed
 * blocks are written in place and their prefix filled in afterwards (a
 * writer per block, and the array of numbers this used to push bytes into,
 * were most of the ~260 KB a server allocated per handshake).
 */
export class TlsWriter {
  private buf = new Uint8Array(256);
  private length = 0;

  private room(n: number): number {
    const at = this.length;
    if (at + n > this.buf.length) {
      const grown = new Uint8Array(Math.max(this.buf.length * 2, at + n));
      grown.set(this.buf.subarray(0, at));
      this.buf = grown;
    }
    this.length = at + n;
    return at;
  }

  u8(v: number): this {
    this.buf[this.room(1)] = v;
    return this;
  }

  u16(v: number): this {
    const at = this.room(2);
    this.buf[at] = v >> 8;
    this.buf[at + 1] = v;
    return this;
  }

  u24(v: number): this {
    const at = this.room(3);
    this.buf[at] = v >> 16;
    this.buf[at + 1] = v >> 8;
    this.buf[at + 2] = v;
    return this;
  }

  u32(v: number): this {
    const at = this.room(4);
    this.buf[at] = v >>> 24;
    this.buf[at + 1] = v >> 16;
    this.buf[at + 2] = v >> 8;
    this.buf[at + 3] = v;
    return this;
  }

  bytes(b: Uint8Array): this {
    const at = this.room(b.length);
    this.buf.set(b, at);
    return this;
  }

  /** Writes bytes with a 1-, 2- or 3-byte length prefix. */
  vector(prefixBytes: 1 | 2 | 3, b: Uint8Array): this {
    checkVectorLength(prefixBytes, b.length);
    this.writeLength(prefixBytes, b.length);
    return this.bytes(b);
  }

  /** Writes what `body` writes, prefixed by its length. */
  block(prefixBytes: 1 | 2 | 3, body: (w: TlsWriter) => void): this {
    const prefixAt = this.room(prefixBytes);
    body(this);
    const length = this.length - prefixAt - prefixBytes;
    checkVectorLength(prefixBytes, length);
    const end = this.length;
    this.length = prefixAt;
    this.writeLength(prefixBytes, length);
    this.length = end;
    return this;
  }

  private writeLength(prefixBytes: 1 | 2 | 3, length: number): void {
    if (prefixBytes === 1) this.u8(length);
    else if (prefixBytes === 2) this.u16(length);
    else this.u24(length);
  }

  /** The bytes written, as a new array (the writer may be reused or dropped). */
  finish(): Uint8Array {
    return this.buf.slice(0, this.length);
  }
}

function checkVectorLength(prefixBytes: 1 | 2 | 3, length: number): void {
  const limit = prefixBytes === 1 ? 0xff : prefixBytes === 2 ? 0xffff : 0xffffff;
  if (length > limit) {
    throw new RangeError(`TLS vector of ${length} bytes exceeds ${prefixBytes}-byte length`);
  }
}

export function concatBytes(...parts: Uint8Array[]): Uint8Array {
  let length = 0;
  for (const p of parts) length += p.length;
  const out = new Uint8Array(length);
  let o = 0;
  for (const p of parts) {
    out.set(p, o);
    o += p.length;
  }
  return out;
}

/** Constant-time (Finished, binders, tickets are secrets). */
export { constantTimeEqual as bytesEqual } from '../bytes.js';

export function toHex(b: Uint8Array): string {
  let s = '';
  for (let i = 0; i < b.length; i++) s += b[i]!.toString(16).padStart(2, '0');
  return s;
}
