// QUIC variable-length integers (RFC 9000 §16): the two high bits of the
// first byte give the length (1, 2, 4 or 8 bytes), the rest is the value in
// network byte order.
//
// Numbers vs bigints: lengths, offsets, limits, stream IDs and packet numbers
// are JS numbers. A varint above 2^53-1 decodes through `readVarintAt` as
// MAX_SAFE_VARINT (saturated), so every decoded number is a safe integer and
// downstream arithmetic stays exact; such a value is larger than any limit this
// stack ever advertises, so it fails the caller's limit checks. Fields whose
// exact 62-bit value matters (application error codes, RFC limit checks near
// 2^60/2^62) use `readVarintBigAt`.
//
//   varintLength(v)                      1, 2, 4 or 8 (minimal encoding)
//   writeVarintAt(buf, off, v, len?)     returns the new offset
//   writeVarintBigAt(buf, off, v, len?)  same for a bigint up to 2^62-1
//   readVarintAt / readVarintBigAt       see BufferReader for bounds-checked reads

/** RFC 9000 §16: the largest value a varint can carry, 2^62-1. */
export const MAX_VARINT_BIG = (1n << 62n) - 1n;
/** Decoded numbers saturate here: Number.MAX_SAFE_INTEGER (2^53-1). */
export const MAX_SAFE_VARINT = Number.MAX_SAFE_INTEGER;

const TWO_POW_32 = 0x1_0000_0000;

/** The minimal encoded length of `value` (number or bigint). */
export function varintLength(value: number | bigint): 1 | 2 | 4 | 8 {
  if (typeof value === 'bigint') {
    if (value < 0n || value > MAX_VARINT_BIG)
      throw new TypeError(`varint value ${value} is out of range 0..2^62-1`);
    return value < 0x40n ? 1 : value < 0x4000n ? 2 : value < 0x4000_0000n ? 4 : 8;
  }
  if (!(value >= 0) || !Number.isSafeInteger(value)) {
    throw new TypeError(`varint value ${value} is not an integer in 0..2^53-1`);
  }
  return value < 0x40 ? 1 : value < 0x4000 ? 2 : value < 0x4000_0000 ? 4 : 8;
}

function checkForcedLength(value: number | bigint, length: number): void {
  if (length !== 1 && length !== 2 && length !== 4 && length !== 8) {
    throw new TypeError(`varint length ${length} is not 1, 2, 4 or 8`);
  }
  if (varintLength(value) > length) {
    throw new TypeError(`varint value ${value} does not fit in ${length} bytes`);
  }
}

/**
 * Writes `value` at `offset` with its minimal length, or with `length` bytes
 * when given (RFC 9000 §16 allows any length that fits; used for Length fields
 * reserved before the payload is known). Returns the offset after it. The
 * caller guarantees room (BufferWriter does the bounds checks).
 */
export function writeVarintAt(
  buf: Uint8Array,
  offset: number,
  value: number,
  length?: number,
): number {
  const len = length === undefined ? varintLength(value) : length;
  if (length !== undefined) checkForcedLength(value, length);
  switch (len) {
    case 1:
      buf[offset] = value;
      return offset + 1;
    case 2:
      buf[offset] = 0x40 | (value >>> 8);
      buf[offset + 1] = value & 0xff;
      return offset + 2;
    case 4:
      buf[offset] = 0x80 | (value >>> 24);
      buf[offset + 1] = (value >>> 16) & 0xff;
      buf[offset + 2] = (value >>> 8) & 0xff;
      buf[offset + 3] = value & 0xff;
      return offset + 4;
    default: {
      const hi = Math.floor(value / TWO_POW_32);
      const lo = value >>> 0;
      buf[offset] = 0xc0 | (hi >>> 24);
      buf[offset + 1] = (hi >>> 16) & 0xff;
      buf[offset + 2] = (hi >>> 8) & 0xff;
      buf[offset + 3] = hi & 0xff;
      buf[offset + 4] = lo >>> 24;
      buf[offset + 5] = (lo >>> 16) & 0xff;
      buf[offset + 6] = (lo >>> 8) & 0xff;
      buf[offset + 7] = lo & 0xff;
      return offset + 8;
    }
  }
}

/** Writes a bigint varint (up to 2^62-1), minimal or forced length. */
export function writeVarintBigAt(
  buf: Uint8Array,
  offset: number,
  value: bigint,
  length?: number,
): number {
  const len = length === undefined ? varintLength(value) : length;
  if (length !== undefined) checkForcedLength(value, length);
  if (len < 8) return writeVarintAt(buf, offset, Number(value), len);
  const hi = Number(value >> 32n);
  const lo = Number(value & 0xffff_ffffn);
  buf[offset] = 0xc0 | (hi >>> 24);
  buf[offset + 1] = (hi >>> 16) & 0xff;
  buf[offset + 2] = (hi >>> 8) & 0xff;
  buf[offset + 3] = hi & 0xff;
  buf[offset + 4] = lo >>> 24;
  buf[offset + 5] = (lo >>> 16) & 0xff;
  buf[offset + 6] = (lo >>> 8) & 0xff;
  buf[offset + 7] = lo & 0xff;
  return offset + 8;
}

/** The encoded length announced by a varint's first byte. */
export function varintLengthFromFirstByte(first: number): 1 | 2 | 4 | 8 {
  return (1 << (first >>> 6)) as 1 | 2 | 4 | 8;
}

/**
 * Decodes the varint at `offset`; the caller has checked that
 * varintLengthFromFirstByte(buf[offset]) bytes are available. Values above
 * 2^53-1 saturate to MAX_SAFE_VARINT.
 */
export function readVarintAt(buf: Uint8Array, offset: number): number {
  const first = buf[offset]!;
  switch (first >>> 6) {
    case 0:
      return first;
    case 1:
      return ((first & 0x3f) << 8) | buf[offset + 1]!;
    case 2:
      return (
        (first & 0x3f) * 0x100_0000 +
        ((buf[offset + 1]! << 16) | (buf[offset + 2]! << 8) | buf[offset + 3]!)
      );
    default: {
      const hi =
        (first & 0x3f) * 0x100_0000 +
        ((buf[offset + 1]! << 16) | (buf[offset + 2]! << 8) | buf[offset + 3]!);
      // 2^53 = 2^21 * 2^32: a high word of 2^21 or more cannot be a safe integer.
      if (hi >= 0x20_0000) return MAX_SAFE_VARINT;
      const lo =
        buf[offset + 4]! * 0x100_0000 +
        ((buf[offset + 5]! << 16) | (buf[offset + 6]! << 8) | buf[offset + 7]!);
      return hi * TWO_POW_32 + lo;
    }
  }
}

/** Decodes the varint at `offset` exactly, as a bigint (same precondition). */
export function readVarintBigAt(buf: Uint8Array, offset: number): bigint {
  const first = buf[offset]!;
  if (first >>> 6 !== 3) return BigInt(readVarintAt(buf, offset));
  const hi =
    (first & 0x3f) * 0x100_0000 +
    ((buf[offset + 1]! << 16) | (buf[offset + 2]! << 8) | buf[offset + 3]!);
  const lo =
    buf[offset + 4]! * 0x100_0000 +
    ((buf[offset + 5]! << 16) | (buf[offset + 6]! << 8) | buf[offset + 7]!);
  return (BigInt(hi) << 32n) | BigInt(lo);
}
