// Parsing packet headers, before header protection is removed (RFC 9000
// §17, RFC 9369 §3.2, RFC 8999).
//
//   parseInvariantHeader(datagram, offset)     any version (RFC 8999): for
//       routing and for deciding to send Version Negotiation
//   parsePacketHeader(datagram, offset, shortDcidLength)   v1/v2 packets
//
// Both return undefined when the packet must be discarded (never throw): a
// truncated header, the fixed bit 0 (RFC 9000 §17.2, §17.3.1), a CID longer
// than 20 bytes in v1/v2 (RFC 9000 §17.2), a Length past the datagram end, an
// unsupported version (parsePacketHeader only).
//
// Offsets are absolute indices into `datagram`, so the caller removes header
// protection and decrypts in place: the Packet Number starts at `pnOffset`
// (its length is only known after header protection is removed), the packet
// ends at `end` (from the Length field; short-header, Retry and Version
// Negotiation packets run to the end of the datagram).

import { readVarintAt, varintLengthFromFirstByte } from '../coding/varint.js';
import { isSupportedVersion, QUIC_V2, VERSION_NEGOTIATION } from '../version.js';
import { PacketType } from './packet-type.js';

export const MAX_CID_LENGTH = 20;
export const RETRY_INTEGRITY_TAG_LENGTH = 16;

const HEADER_FORM_LONG = 0x80;
const FIXED_BIT = 0x40;

export interface PacketHeader {
  packetType: PacketType;
  /** 0 for Version Negotiation; the connection's version for short headers is not on the wire (0). */
  version: number;
  /** Byte 0 as received: its low bits are still header-protected. */
  firstByte: number;
  /** Views into the datagram. */
  dcid: Uint8Array;
  /** Empty for short headers. */
  scid: Uint8Array;
  /** Initial: the token (may be empty); Retry: the Retry Token; otherwise empty. */
  token: Uint8Array;
  /** Offset of byte 0 of this packet. */
  start: number;
  /** Offset of the Packet Number field (= end for Retry and Version Negotiation). */
  pnOffset: number;
  /** Offset just past this packet. */
  end: number;
}

export interface InvariantHeader {
  long: boolean;
  /** Long headers only; 0 for short headers. */
  version: number;
  dcid: Uint8Array;
  scid: Uint8Array;
}

const EMPTY = new Uint8Array(0);

/** The long packet type bits (0x30 of byte 0) for a packet type and version (RFC 9369 §3.2). */
export function longTypeBits(packetType: PacketType, version: number): number {
  if (packetType > PacketType.Retry)
    throw new TypeError(`packet type ${packetType} has no long header type bits`);
  // RFC 9369 §3.2: Initial 0b01, 0-RTT 0b10, Handshake 0b11, Retry 0b00.
  return version === QUIC_V2 ? (packetType + 1) & 3 : packetType;
}

function packetTypeFromBits(bits: number, version: number): PacketType {
  return (version === QUIC_V2 ? (bits + 3) & 3 : bits) as PacketType;
}

/**
 * RFC 8999 §5.1: the version-independent fields of a long header (CIDs up to
 * 255 bytes); a short header yields the DCID of `shortDcidLength` bytes.
 */
export function parseInvariantHeader(
  datagram: Uint8Array,
  offset = 0,
  shortDcidLength = 0,
): InvariantHeader | undefined {
  const end = datagram.length;
  if (offset >= end) return undefined;
  if ((datagram[offset]! & HEADER_FORM_LONG) === 0) {
    if (offset + 1 + shortDcidLength > end) return undefined;
    const dcid = datagram.subarray(offset + 1, offset + 1 + shortDcidLength);
    return { long: false, version: 0, dcid, scid: EMPTY };
  }
  let p = offset + 5;
  if (p >= end) return undefined;
  const version =
    datagram[offset + 1]! * 0x100_0000 +
    ((datagram[offset + 2]! << 16) | (datagram[offset + 3]! << 8) | datagram[offset + 4]!);
  const dcidLength = datagram[p++]!;
  if (p + dcidLength >= end) return undefined;
  const dcid = datagram.subarray(p, p + dcidLength);
  p += dcidLength;
  const scidLength = datagram[p++]!;
  if (p + scidLength > end) return undefined;
  const scid = datagram.subarray(p, p + scidLength);
  return { long: true, version, dcid, scid };
}

/**
 * Parses the packet at `offset`. `shortDcidLength` is the length of the
 * connection IDs this endpoint issued (short headers do not carry it).
 */
export function parsePacketHeader(
  datagram: Uint8Array,
  offset: number,
  shortDcidLength: number,
): PacketHeader | undefined {
  const end = datagram.length;
  if (offset >= end) return undefined;
  const firstByte = datagram[offset]!;
  if ((firstByte & HEADER_FORM_LONG) === 0) {
    // RFC 9000 §17.3.1: Packets containing a zero value for the Fixed Bit are
    // not valid packets in this version and MUST be discarded.
    if ((firstByte & FIXED_BIT) === 0) return undefined;
    const pnOffset = offset + 1 + shortDcidLength;
    if (pnOffset >= end) return undefined;
    return {
      packetType: PacketType.OneRtt,
      version: 0,
      firstByte,
      dcid: datagram.subarray(offset + 1, pnOffset),
      scid: EMPTY,
      token: EMPTY,
      start: offset,
      pnOffset,
      end,
    };
  }
  const invariant = parseInvariantHeader(datagram, offset);
  if (invariant === undefined) return undefined;
  const { version, dcid, scid } = invariant;
  const afterScid = scid.byteOffset - datagram.byteOffset + scid.length;
  if (version === VERSION_NEGOTIATION) {
    return {
      packetType: PacketType.VersionNegotiation,
      version,
      firstByte,
      dcid,
      scid,
      token: EMPTY,
      start: offset,
      pnOffset: end,
      end,
    };
  }
  if (!isSupportedVersion(version)) return undefined;
  // RFC 9000 §17.2: Endpoints that receive a version 1 long header with a
  // value larger than 20 MUST drop the packet (RFC 9369 keeps this for v2).
  if (dcid.length > MAX_CID_LENGTH || scid.length > MAX_CID_LENGTH) return undefined;
  // RFC 9000 §17.2: Packets containing a zero value for the Fixed Bit are
  // not valid packets in this version and MUST be discarded.
  if ((firstByte & FIXED_BIT) === 0) return undefined;
  const packetType = packetTypeFromBits((firstByte >>> 4) & 3, version);
  if (packetType === PacketType.Retry)
    return parseRetryRest(datagram, offset, firstByte, invariant, afterScid);
  let p = afterScid;
  let token: Uint8Array = EMPTY;
  if (packetType === PacketType.Initial) {
    if (p >= end || p + varintLengthFromFirstByte(datagram[p]!) > end) return undefined;
    const tokenLength = readVarintAt(datagram, p);
    p += varintLengthFromFirstByte(datagram[p]!);
    if (tokenLength > end - p) return undefined;
    token = datagram.subarray(p, p + tokenLength);
    p += tokenLength;
  }
  if (p >= end || p + varintLengthFromFirstByte(datagram[p]!) > end) return undefined;
  const length = readVarintAt(datagram, p);
  p += varintLengthFromFirstByte(datagram[p]!);
  // The Length covers the Packet Number and the payload; it may not run past
  // the datagram (RFC 9000 §12.2: a packet is never split across datagrams).
  if (length === 0 || length > end - p) return undefined;
  return {
    packetType,
    version,
    firstByte,
    dcid,
    scid,
    token,
    start: offset,
    pnOffset: p,
    end: p + length,
  };
}

function parseRetryRest(
  datagram: Uint8Array,
  offset: number,
  firstByte: number,
  invariant: InvariantHeader,
  afterScid: number,
): PacketHeader | undefined {
  const end = datagram.length;
  const tokenEnd = end - RETRY_INTEGRITY_TAG_LENGTH;
  // RFC 9000 §17.2.5.2: A client MUST discard a Retry packet with a
  // zero-length Retry Token field.
  if (tokenEnd <= afterScid) return undefined;
  return {
    packetType: PacketType.Retry,
    version: invariant.version,
    firstByte,
    dcid: invariant.dcid,
    scid: invariant.scid,
    token: datagram.subarray(afterScid, tokenEnd),
    start: offset,
    pnOffset: end,
    end,
  };
}

// Fields of byte 0 that are readable only after header protection is removed.

/** RFC 9000 §17.2, §17.3.1: Packet Number Length bits + 1. */
export function packetNumberLength(firstByte: number): 1 | 2 | 3 | 4 {
  return ((firstByte & 0x03) + 1) as 1 | 2 | 3 | 4;
}

/**
 * RFC 9000 §17.2, §17.3.1: An endpoint MUST treat receipt of a packet that
 * has a non-zero value for the Reserved Bits after removing both packet and
 * header protection as a connection error of type PROTOCOL_VIOLATION.
 * Long headers: 0x0c; short headers: 0x18.
 */
export function hasReservedBits(firstByte: number): boolean {
  return (firstByte & HEADER_FORM_LONG) !== 0 ? (firstByte & 0x0c) !== 0 : (firstByte & 0x18) !== 0;
}

/** RFC 9000 §17.3.1: the Key Phase bit (0x04) of a short header. */
export function keyPhaseBit(firstByte: number): boolean {
  return (firstByte & 0x04) !== 0;
}
