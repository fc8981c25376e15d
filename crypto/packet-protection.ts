// One call per packet for the packet layer: payload protection then header
// protection on send (RFC 9001 §5.3, §5.4), and the reverse on receive, on a
// packet inside a datagram buffer addressed by offsets.
import type { HeaderProtector, PacketAead } from './crypto-provider.js';
import {
  HEADER_PROTECTION_SAMPLE_LENGTH,
  protectHeader,
  SAMPLE_OFFSET_FROM_PACKET_NUMBER,
  unprotectHeader,
} from './header-protection.js';

/** What protecting and unprotecting need: a PacketKeys satisfies it. */
export interface PacketProtectionKeys {
  readonly aead: PacketAead;
  readonly headerProtection: HeaderProtector;
}

/**
 * RFC 9001 §5.4.2: the sample needs pn length + payload length >= 4 (the
 * packet number is assumed 4 bytes long and the tag follows the payload), so
 * a sender pads payloads that are shorter.
 */
export function minimumPayloadLength(pnLength: number): number {
  return Math.max(0, SAMPLE_OFFSET_FROM_PACKET_NUMBER - pnLength);
}

/**
 * Seals buf[pnOffset + pnLength, payloadEnd) in place (the header from
 * headerStart is the associated data), appends the tag and applies header
 * protection. The first byte must carry the packet-number length, as the
 * packet layer wrote it. Returns the end of the packet (payloadEnd + 16).
 * Throws RangeError for a payload too short to sample (the caller must pad)
 * or offsets that do not fit buf.
 */
export function protectPacket(
  keys: PacketProtectionKeys,
  packetNumber: number | bigint,
  buf: Uint8Array,
  headerStart: number,
  pnOffset: number,
  payloadEnd: number,
): number {
  const pnLength = (buf[headerStart]! & 0x03) + 1;
  const payloadStart = pnOffset + pnLength;
  if (payloadEnd - payloadStart < minimumPayloadLength(pnLength)) {
    throw new RangeError(
      `payload: ${payloadEnd - payloadStart} bytes with a ${pnLength}-byte packet number is too short to sample for header protection; pad to ${minimumPayloadLength(pnLength)} (RFC 9001 §5.4.2)`,
    );
  }
  const end = keys.aead.seal(packetNumber, buf, headerStart, payloadStart, payloadEnd);
  protectHeader(keys.headerProtection, buf, headerStart, pnOffset, end);
  return end;
}

export interface UnprotectedPacket {
  readonly packetNumber: number | bigint;
  readonly pnLength: number;
  /** The plaintext payload is buf[payloadStart, payloadEnd). */
  readonly payloadStart: number;
  readonly payloadEnd: number;
}

/**
 * Removes header protection from the packet at buf[headerStart, packetEnd),
 * reconstructs the full packet number with `decodePacketNumber` (RFC 9000
 * §A.3, the packet layer's job), and opens the payload in place. Returns
 * null when the packet is too short or does not authenticate; then buf is
 * restored to exactly what it was, so the caller may try other keys (RFC
 * 9001 §6.3) or drop the packet. Never throws for anything in the packet.
 */
export function unprotectPacket(
  keys: PacketProtectionKeys,
  buf: Uint8Array,
  headerStart: number,
  pnOffset: number,
  packetEnd: number,
  decodePacketNumber: (truncated: number, pnLength: number) => number | bigint,
): UnprotectedPacket | null {
  if (pnOffset + SAMPLE_OFFSET_FROM_PACKET_NUMBER + HEADER_PROTECTION_SAMPLE_LENGTH > packetEnd) {
    return null;
  }
  const savedFirst = buf[headerStart]!;
  const savedPn = readUint32(buf, pnOffset);
  const header = unprotectHeader(keys.headerProtection, buf, headerStart, pnOffset, packetEnd);
  if (!header) return null;
  const packetNumber = decodePacketNumber(header.truncatedPacketNumber, header.pnLength);
  const payloadStart = pnOffset + header.pnLength;
  const payloadEnd = keys.aead.open(packetNumber, buf, headerStart, payloadStart, packetEnd);
  if (payloadEnd < 0) {
    buf[headerStart] = savedFirst;
    writeUint32(buf, pnOffset, savedPn);
    return null;
  }
  return { packetNumber, pnLength: header.pnLength, payloadStart, payloadEnd };
}

function readUint32(b: Uint8Array, o: number): number {
  return ((b[o]! << 24) | (b[o + 1]! << 16) | (b[o + 2]! << 8) | b[o + 3]!) >>> 0;
}

function writeUint32(b: Uint8Array, o: number, v: number): void {
  b[o] = v >>> 24;
  b[o + 1] = v >>> 16;
  b[o + 2] = v >>> 8;
  b[o + 3] = v;
}
