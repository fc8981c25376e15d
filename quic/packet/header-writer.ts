// Writing packet headers for packet building (RFC 9000 §17.2, §17.3.1).
//
//   const h = writeLongHeader(writer, { packetType, version, dcid, scid, token, packetNumber, pnLength })
//   ...encode frames..., reserve the AEAD tag...
//   fillLongHeaderLength(writer, h, writer.offset)   // Length = packet end - pnOffset
//   const s = writeShortHeader(writer, { dcid, packetNumber, pnLength, keyPhase, spinBit })
//
// The Length field is reserved with `lengthFieldSize` bytes (default 2,
// enough for 16383 bytes) and filled once the payload is known. `pnOffset`
// and `start` are what header protection needs (RFC 9001 §5.4.2: the sample
// starts 4 bytes after pnOffset). Reserved bits are written as 0.

import type { BufferWriter } from '../coding/writer.js';
import { longTypeBits } from './packet-header.js';
import { writePacketNumber } from './packet-number.js';
import { PacketType } from './packet-type.js';

export interface LongHeaderFields {
  /** Initial, ZeroRtt or Handshake (Retry: see retry.ts). */
  packetType: PacketType;
  version: number;
  dcid: Uint8Array;
  scid: Uint8Array;
  /** Initial only; empty or absent otherwise. */
  token?: Uint8Array;
  /** The full packet number; its `pnLength` low bytes are written. */
  packetNumber: number;
  pnLength: number;
  /** Bytes reserved for the Length varint: 1, 2 (default), 4 or 8. */
  lengthFieldSize?: number;
}

export interface ShortHeaderFields {
  dcid: Uint8Array;
  packetNumber: number;
  pnLength: number;
  keyPhase: boolean;
  spinBit?: boolean;
}

export interface WrittenHeader {
  /** Offset of byte 0 of the packet. */
  start: number;
  /** Offset of the reserved Length field (long headers; -1 for short). */
  lengthOffset: number;
  lengthFieldSize: number;
  /** Offset of the Packet Number field. */
  pnOffset: number;
}

function checkHeaderArgs(pnLength: number, dcid: Uint8Array, scid: Uint8Array): void {
  if (pnLength !== 1 && pnLength !== 2 && pnLength !== 3 && pnLength !== 4) {
    throw new TypeError(`pnLength ${pnLength} is not 1..4`);
  }
  if (dcid.length > 20) throw new TypeError(`dcid length ${dcid.length} exceeds 20`);
  if (scid.length > 20) throw new TypeError(`scid length ${scid.length} exceeds 20`);
}

export function writeLongHeader(writer: BufferWriter, fields: LongHeaderFields): WrittenHeader {
  const { packetType, version, dcid, scid, packetNumber, pnLength } = fields;
  checkHeaderArgs(pnLength, dcid, scid);
  if (
    packetType !== PacketType.Initial &&
    packetType !== PacketType.ZeroRtt &&
    packetType !== PacketType.Handshake
  ) {
    throw new TypeError(
      `writeLongHeader packetType ${packetType} is not Initial, 0-RTT or Handshake`,
    );
  }
  const token = fields.token;
  if (token !== undefined && token.length > 0 && packetType !== PacketType.Initial) {
    throw new TypeError('token is only carried by Initial packets');
  }
  const lengthFieldSize = fields.lengthFieldSize ?? 2;
  const start = writer.offset;
  writer.writeUint8(0xc0 | (longTypeBits(packetType, version) << 4) | (pnLength - 1));
  writer.writeUint32(version);
  writer.writeUint8(dcid.length);
  writer.writeBytes(dcid);
  writer.writeUint8(scid.length);
  writer.writeBytes(scid);
  if (packetType === PacketType.Initial) {
    const tokenLength = token?.length ?? 0;
    writer.writeVarint(tokenLength);
    if (token !== undefined) writer.writeBytes(token);
  }
  const lengthOffset = writer.reserve(lengthFieldSize);
  writer.fillVarint(lengthOffset, 0, lengthFieldSize);
  const pnOffset = writer.reserve(pnLength);
  writePacketNumber(writer.buffer, pnOffset, packetNumber, pnLength);
  return { start, lengthOffset, lengthFieldSize, pnOffset };
}

/**
 * Fills the Length field: the bytes from the Packet Number to `packetEnd`
 * (which must include the AEAD tag). Throws TypeError if it does not fit the
 * reserved size.
 */
export function fillLongHeaderLength(
  writer: BufferWriter,
  header: WrittenHeader,
  packetEnd: number,
): void {
  writer.fillVarint(header.lengthOffset, packetEnd - header.pnOffset, header.lengthFieldSize);
}

export function writeShortHeader(writer: BufferWriter, fields: ShortHeaderFields): WrittenHeader {
  const start = writer.offset;
  const pnOffset = writeShortHeaderFields(
    writer,
    fields.dcid,
    fields.packetNumber,
    fields.pnLength,
    fields.keyPhase,
    fields.spinBit,
  );
  return { start, lengthOffset: -1, lengthFieldSize: 0, pnOffset };
}

/**
 * writeShortHeader without the result object (the packet builder's per
 * datagram path): returns the Packet Number's offset; the packet starts at
 * the writer's offset before the call.
 */
export function writeShortHeaderFields(
  writer: BufferWriter,
  dcid: Uint8Array,
  packetNumber: number,
  pnLength: number,
  keyPhase: boolean,
  spinBit = false,
): number {
  checkHeaderArgs(pnLength, dcid, dcid);
  writer.writeUint8(0x40 | (spinBit ? 0x20 : 0) | (keyPhase ? 0x04 : 0) | (pnLength - 1));
  writer.writeBytes(dcid);
  const pnOffset = writer.reserve(pnLength);
  writePacketNumber(writer.buffer, pnOffset, packetNumber, pnLength);
  return pnOffset;
}
