// Packet number truncation and recovery (RFC 9000 §17.1, Appendix A.2/A.3).
//
//   encodePacketNumberLength(fullPn, largestAcked)  1..4 bytes to send
//   decodePacketNumber(largestPn, truncatedPn, pnNbits)
//   writePacketNumber(buf, offset, pn, length) / readPacketNumber(buf, offset, length)
//
// Packet numbers are numbers (0..2^53-1 in practice; the RFC allows 2^62-1
// but no connection sends that many packets). No bitwise ops on full packet
// numbers: they exceed 32 bits.

/**
 * RFC 9000 §17.1: the sender MUST use a packet number size able to represent
 * more than twice as large a range as the difference between the largest
 * acknowledged packet number and the packet number being sent. Prior to
 * receiving an acknowledgment (largestAcked undefined) the full packet number
 * is represented, as in Appendix A.2.
 */
export function encodePacketNumberLength(
  fullPn: number,
  largestAcked: number | undefined,
): 1 | 2 | 3 | 4 {
  const numUnacked = largestAcked === undefined ? fullPn + 1 : fullPn - largestAcked;
  // min_bits = log2(num_unacked) + 1, i.e. 2 * num_unacked must fit.
  const range = numUnacked * 2;
  if (range <= 0x100) return 1;
  if (range <= 0x1_0000) return 2;
  if (range <= 0x100_0000) return 3;
  return 4;
}

/**
 * RFC 9000 Appendix A.3: recovers the full packet number closest to the next
 * expected one. `largestPn` is the largest packet number successfully
 * processed in this space, or -1 if none.
 */
export function decodePacketNumber(
  largestPn: number,
  truncatedPn: number,
  pnNbits: number,
): number {
  const expectedPn = largestPn + 1;
  // A shift for 8..24 bits (`2 **` is a Math.pow call, once per packet received).
  const pnWin = pnNbits < 31 ? 1 << pnNbits : 2 ** pnNbits;
  const pnHwin = pnWin / 2;
  // (expected_pn & ~pn_mask) | truncated_pn, without 32-bit bitwise operators.
  const candidatePn = expectedPn - (expectedPn % pnWin) + truncatedPn;
  if (candidatePn <= expectedPn - pnHwin && candidatePn < 2 ** 62 - pnWin) {
    return candidatePn + pnWin;
  }
  if (candidatePn > expectedPn + pnHwin && candidatePn >= pnWin) {
    return candidatePn - pnWin;
  }
  return candidatePn;
}

/** Writes the `length` (1..4) least significant bytes of `pn` at `offset`. */
export function writePacketNumber(
  buf: Uint8Array,
  offset: number,
  pn: number,
  length: number,
): void {
  // The low 32 bits as an unsigned integer (pn may exceed 2^32, so no `|0`
  // on pn itself), then shifts: no Math.pow per byte on the send path.
  let low = pn % 0x1_0000_0000;
  for (let i = offset + length - 1; i >= offset; i--) {
    buf[i] = low & 0xff;
    low >>>= 8;
  }
}

/** Reads a `length`-byte (1..4) truncated packet number at `offset`. */
export function readPacketNumber(buf: Uint8Array, offset: number, length: number): number {
  let v = 0;
  for (let i = 0; i < length; i++) v = v * 256 + buf[offset + i]!;
  return v;
}
