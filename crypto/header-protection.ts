// Applying and removing header protection on a packet in a buffer
// (RFC 9001 §5.4). The mask itself comes from a provider's HeaderProtector.
import type { HeaderProtector } from './crypto-provider.js';

/** RFC 9001 §5.4.2: header protection samples 16 bytes of ciphertext. */
export const HEADER_PROTECTION_SAMPLE_LENGTH = 16;
/** RFC 9001 §5.4.2: the sample starts 4 bytes after the start of the Packet Number field. */
export const SAMPLE_OFFSET_FROM_PACKET_NUMBER = 4;

export interface UnprotectedHeader {
  /** Length in bytes of the encoded packet number, 1..4. */
  readonly pnLength: number;
  /** The packet number as encoded (the low pnLength bytes); decoding is the packet layer's. */
  readonly truncatedPacketNumber: number;
}

// RFC 9001 §5.4.1: long headers protect the low 4 bits of the first byte
// (0x0f), short headers the low 5 bits (0x1f, including the Key Phase bit).
// RFC 9000 §17.2: the Header Form bit (0x80) is 1 for long headers and is
// not protected, so it tells which mask applies.
function firstByteMask(firstByte: number): number {
  return firstByte & 0x80 ? 0x0f : 0x1f;
}

function sampleFits(
  buf: Uint8Array,
  headerStart: number,
  pnOffset: number,
  packetEnd: number,
): boolean {
  return (
    Number.isInteger(headerStart) &&
    Number.isInteger(pnOffset) &&
    headerStart >= 0 &&
    pnOffset > headerStart &&
    packetEnd <= buf.length &&
    pnOffset + SAMPLE_OFFSET_FROM_PACKET_NUMBER + HEADER_PROTECTION_SAMPLE_LENGTH <= packetEnd
  );
}

/**
 * Protects the header of the packet at buf[headerStart, packetEnd) whose
 * payload is already sealed: masks the low bits of the first byte and the
 * packet-number bytes (their count read from the unprotected first byte).
 * Returns false, touching nothing, when the packet is too short to sample;
 * RFC 9001 §5.4.2 makes the sender pad so this does not happen.
 */
export function protectHeader(
  hp: HeaderProtector,
  buf: Uint8Array,
  headerStart: number,
  pnOffset: number,
  packetEnd: number = buf.length,
): boolean {
  if (!sampleFits(buf, headerStart, pnOffset, packetEnd)) return false;
  const first = buf[headerStart]!;
  const pnLength = (first & 0x03) + 1;
  const mask = hp.mask(buf, pnOffset + SAMPLE_OFFSET_FROM_PACKET_NUMBER);
  buf[headerStart] = first ^ (mask[0]! & firstByteMask(first));
  for (let i = 0; i < pnLength; i++) buf[pnOffset + i] ^= mask[1 + i]!;
  return true;
}

/**
 * Removes header protection in place and returns the packet-number length
 * and truncated packet number, or null (buf untouched) when the packet is
 * too short to hold the sample: RFC 9001 §5.4.2 has the receiver assume a
 * 4-byte packet number, so the sample must end inside the packet.
 */
export function unprotectHeader(
  hp: HeaderProtector,
  buf: Uint8Array,
  headerStart: number,
  pnOffset: number,
  packetEnd: number = buf.length,
): UnprotectedHeader | null {
  if (!sampleFits(buf, headerStart, pnOffset, packetEnd)) return null;
  const mask = hp.mask(buf, pnOffset + SAMPLE_OFFSET_FROM_PACKET_NUMBER);
  const protectedFirst = buf[headerStart]!;
  const first = protectedFirst ^ (mask[0]! & firstByteMask(protectedFirst));
  buf[headerStart] = first;
  const pnLength = (first & 0x03) + 1;
  let truncated = 0;
  for (let i = 0; i < pnLength; i++) {
    const byte = buf[pnOffset + i]! ^ mask[1 + i]!;
    buf[pnOffset + i] = byte;
    truncated = truncated * 256 + byte;
  }
  return { pnLength, truncatedPacketNumber: truncated };
}
