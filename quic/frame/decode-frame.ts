// decodeFrame(reader, packetType?): reads one frame from a packet payload.
//
//   const r = new BufferReader(payload);
//   while (r.remaining > 0) { const f = decodeFrame(r, PacketType.OneRtt); ... }
//
// Every malformed or truncated frame throws TransportError (code
// FRAME_ENCODING_ERROR unless the RFC names another) with `frameType` set;
// when `packetType` is given the frame table check (RFC 9000 §12.4) runs
// before the body is parsed. Byte fields are views into the payload.
//
// Bounds and saturation (see quic/coding/varint.ts):
// - A run of PADDING bytes is one frame { type: 'padding', length }.
// - ACK: at most MAX_ACK_RANGES ranges are kept (the highest, most recent
//   ones); the rest are still parsed and validated but dropped, which only
//   delays their acknowledgement. Ranges are never expanded to packets.
// - ACK with Largest Acknowledged >= 2^53-1 is PROTOCOL_VIOLATION: this stack
//   never sends such packet numbers (RFC 9000 §13.1: an acknowledgment for a
//   packet never sent).
// - STREAM/CRYPTO ending beyond 2^53-1 (the most credit this stack can grant)
//   is FLOW_CONTROL_ERROR / CRYPTO_BUFFER_EXCEEDED, beyond 2^62-1
//   FRAME_ENCODING_ERROR (RFC 9000 §19.6, §19.8); returned offsets are exact.
// - MAX_STREAMS/STREAMS_BLOCKED above 2^60 are FRAME_ENCODING_ERROR (exact
//   check); accepted values above 2^53-1 read as MAX_SAFE_VARINT.
// - Other numbers above 2^53-1 saturate to MAX_SAFE_VARINT.

import { BufferReader } from '../coding/reader.js';
import { MAX_SAFE_VARINT, MAX_VARINT_BIG } from '../coding/varint.js';
import { TransportErrorCode } from '../errors.js';
import type { PacketType } from '../packet/packet-type.js';
import {
  type AckFrame,
  type AckRange,
  type ConnectionCloseFrame,
  type CryptoFrame,
  type EcnCounts,
  type Frame,
  FrameType,
  MAX_ACK_RANGES,
  type NewConnectionIdFrame,
  STREAM_FLAG_FIN,
  STREAM_FLAG_LEN,
  STREAM_FLAG_OFF,
  type StreamFrame,
} from './frame.js';
import { checkFrameAllowed, frameInfo } from './frame-table.js';

const { FRAME_ENCODING_ERROR, PROTOCOL_VIOLATION } = TransportErrorCode;
const TWO_POW_60_BIG = 1n << 60n;
const TWO_POW_60 = 2 ** 60;
const MAX_SAFE_VARINT_BIG = BigInt(MAX_SAFE_VARINT);
const MAX_CID_LENGTH = 20;

/** Decodes one frame at the reader's position and advances past it. */
export function decodeFrame(reader: BufferReader, packetType?: PacketType): Frame {
  reader.frameType = undefined;
  const first = reader.peekUint8();
  let type: number;
  if (first < 0x40) {
    type = first;
    reader.offset++;
  } else {
    type = readLongFrameType(reader);
  }
  reader.frameType = type;
  if (packetType !== undefined) checkFrameAllowed(type, packetType);
  switch (type) {
    case FrameType.PADDING:
      return decodePadding(reader);
    case FrameType.PING:
      return { type: 'ping' };
    case FrameType.ACK:
      return decodeAck(reader, false);
    case FrameType.ACK_ECN:
      return decodeAck(reader, true);
    case FrameType.RESET_STREAM: {
      const streamId = reader.readVarint();
      const errorCode = reader.readVarintBig();
      const finalSize = reader.readVarint();
      return { type: 'resetStream', streamId, errorCode, finalSize };
    }
    case FrameType.STOP_SENDING: {
      const streamId = reader.readVarint();
      const errorCode = reader.readVarintBig();
      return { type: 'stopSending', streamId, errorCode };
    }
    case FrameType.CRYPTO:
      return decodeCrypto(reader);
    case FrameType.NEW_TOKEN: {
      const length = reader.readVarint();
      // RFC 9000 §19.7: A client MUST treat receipt of a NEW_TOKEN frame with
      // an empty Token field as a connection error of type FRAME_ENCODING_ERROR.
      if (length === 0) reader.fail('NEW_TOKEN with an empty token');
      return { type: 'newToken', token: reader.readBytes(length) };
    }
    case FrameType.MAX_DATA:
      return { type: 'maxData', maximum: reader.readVarint() };
    case FrameType.MAX_STREAM_DATA: {
      const streamId = reader.readVarint();
      return { type: 'maxStreamData', streamId, maximum: reader.readVarint() };
    }
    case FrameType.MAX_STREAMS_BIDI:
    case FrameType.MAX_STREAMS_UNI:
      return {
        type: 'maxStreams',
        bidi: type === FrameType.MAX_STREAMS_BIDI,
        maximum: readStreamCount(reader, 'MAX_STREAMS'),
      };
    case FrameType.DATA_BLOCKED:
      return { type: 'dataBlocked', limit: reader.readVarint() };
    case FrameType.STREAM_DATA_BLOCKED: {
      const streamId = reader.readVarint();
      return { type: 'streamDataBlocked', streamId, limit: reader.readVarint() };
    }
    case FrameType.STREAMS_BLOCKED_BIDI:
    case FrameType.STREAMS_BLOCKED_UNI:
      return {
        type: 'streamsBlocked',
        bidi: type === FrameType.STREAMS_BLOCKED_BIDI,
        limit: readStreamCount(reader, 'STREAMS_BLOCKED'),
      };
    case FrameType.NEW_CONNECTION_ID:
      return decodeNewConnectionId(reader);
    case FrameType.RETIRE_CONNECTION_ID:
      return { type: 'retireConnectionId', sequence: reader.readVarint() };
    case FrameType.PATH_CHALLENGE:
      return { type: 'pathChallenge', data: reader.readBytes(8) };
    case FrameType.PATH_RESPONSE:
      return { type: 'pathResponse', data: reader.readBytes(8) };
    case FrameType.CONNECTION_CLOSE:
    case FrameType.CONNECTION_CLOSE_APPLICATION:
      return decodeConnectionClose(reader, type === FrameType.CONNECTION_CLOSE_APPLICATION);
    case FrameType.HANDSHAKE_DONE:
      return { type: 'handshakeDone' };
    case FrameType.DATAGRAM:
      return { type: 'datagram', data: reader.readBytes(reader.remaining), explicitLength: false };
    case FrameType.DATAGRAM_WITH_LENGTH:
      return {
        type: 'datagram',
        data: reader.readBytes(reader.readVarint()),
        explicitLength: true,
      };
    default:
      if (type >= FrameType.STREAM && type <= 0x0f) return decodeStream(reader, type);
      return reader.fail(`unknown frame type 0x${type.toString(16)}`);
  }
}

/**
 * A frame type whose first byte is >= 0x40: either a known type in a longer
 * encoding than necessary or an unknown type.
 */
function readLongFrameType(reader: BufferReader): number {
  const type = reader.readVarint();
  reader.frameType = type;
  if (frameInfo(type) !== undefined) {
    // RFC 9000 §12.4: a frame type MUST use the shortest possible encoding; an
    // endpoint MAY treat a longer one as a connection error of type
    // PROTOCOL_VIOLATION.
    reader.fail(`frame type 0x${type.toString(16)} not minimally encoded`, PROTOCOL_VIOLATION);
  }
  // RFC 9000 §12.4: An endpoint MUST treat the receipt of a frame of unknown
  // type as a connection error of type FRAME_ENCODING_ERROR.
  return reader.fail(`unknown frame type 0x${type.toString(16)}`, FRAME_ENCODING_ERROR);
}

function decodePadding(reader: BufferReader): Frame {
  const bytes = reader.bytes;
  const end = reader.end;
  let i = reader.offset;
  while (i < end && bytes[i] === 0) i++;
  const length = 1 + i - reader.offset;
  reader.offset = i;
  return { type: 'padding', length };
}

function decodeAck(reader: BufferReader, withEcn: boolean): AckFrame {
  const largest = reader.readVarint();
  const ackDelay = reader.readVarint();
  const rangeCount = reader.readVarint();
  const firstRange = reader.readVarint();
  if (largest >= MAX_SAFE_VARINT) {
    // RFC 9000 §13.1: An endpoint SHOULD treat receipt of an acknowledgment
    // for a packet it did not send as a connection error of type
    // PROTOCOL_VIOLATION. This stack never sends packet numbers >= 2^53-1.
    reader.fail(`ACK of packet number ${largest} or above, never sent`, PROTOCOL_VIOLATION);
  }
  // RFC 9000 §19.3.1: If any computed packet number is negative, an endpoint
  // MUST generate a connection error of type FRAME_ENCODING_ERROR.
  let smallest = largest - firstRange;
  if (smallest < 0) reader.fail('ACK first range goes below packet number 0');
  const ranges: AckRange[] = [[smallest, largest]];
  // Each iteration consumes at least two bytes, so a huge count ends in a
  // truncation error, never a hang.
  for (let i = 0; i < rangeCount; i++) {
    const gap = reader.readVarint();
    const length = reader.readVarint();
    // RFC 9000 §19.3.1: largest = previous_smallest - gap - 2
    const high = smallest - gap - 2;
    const low = high - length;
    if (low < 0) reader.fail(`ACK range ${i + 1} goes below packet number 0`);
    if (ranges.length < MAX_ACK_RANGES) ranges.push([low, high]);
    smallest = low;
  }
  let ecn: EcnCounts | undefined;
  if (withEcn) {
    const ect0 = reader.readVarint();
    const ect1 = reader.readVarint();
    const ce = reader.readVarint();
    ecn = { ect0, ect1, ce };
  }
  return { type: 'ack', largest, ackDelay, ranges, ecn };
}

/**
 * Validates offset + length of STREAM/CRYPTO data. Past 2^53-1 the data is
 * beyond any credit this stack grants (`overLimitCode`); past 2^62-1 it is
 * a FRAME_ENCODING_ERROR (RFC 9000 §19.6, §19.8).
 */
function checkDataEnd(
  reader: BufferReader,
  offsetAt: number,
  offset: number,
  length: number,
  overLimitCode: number,
): void {
  // A saturated offset reads as 2^53-1, so the boundary itself is checked exactly.
  if (offset + length < MAX_SAFE_VARINT) return;
  const saved = reader.offset;
  reader.offset = offsetAt;
  const exactEnd = (offset === 0 ? 0n : reader.readVarintBig()) + BigInt(length);
  reader.offset = saved;
  if (exactEnd > MAX_VARINT_BIG) reader.fail('data ends beyond 2^62-1');
  if (exactEnd > MAX_SAFE_VARINT_BIG) {
    reader.fail('data ends beyond 2^53-1, past any flow control credit', overLimitCode);
  }
}

function decodeCrypto(reader: BufferReader): CryptoFrame {
  const offsetAt = reader.offset;
  const offset = reader.readVarint();
  const length = reader.readVarint();
  // RFC 9000 §19.6: the sum of the offset and data length cannot exceed
  // 2^62-1; receipt of a frame that exceeds this limit MUST be treated as a
  // connection error of type FRAME_ENCODING_ERROR or CRYPTO_BUFFER_EXCEEDED.
  checkDataEnd(reader, offsetAt, offset, length, TransportErrorCode.CRYPTO_BUFFER_EXCEEDED);
  return { type: 'crypto', offset, data: reader.readBytes(length) };
}

function decodeStream(reader: BufferReader, type: number): StreamFrame {
  const streamId = reader.readVarint();
  const offsetAt = reader.offset;
  const offset = (type & STREAM_FLAG_OFF) !== 0 ? reader.readVarint() : 0;
  const explicitLength = (type & STREAM_FLAG_LEN) !== 0;
  const length = explicitLength ? reader.readVarint() : reader.remaining;
  // RFC 9000 §19.8: the sum of the offset and data length cannot exceed
  // 2^62-1; receipt of a frame that exceeds this limit MUST be treated as a
  // connection error of type FRAME_ENCODING_ERROR or FLOW_CONTROL_ERROR.
  checkDataEnd(reader, offsetAt, offset, length, TransportErrorCode.FLOW_CONTROL_ERROR);
  const data = reader.readBytes(length);
  return {
    type: 'stream',
    streamId,
    offset,
    data,
    fin: (type & STREAM_FLAG_FIN) !== 0,
    explicitLength,
  };
}

/**
 * RFC 9000 §19.11, §19.14: a stream count cannot exceed 2^60; a larger one
 * MUST be treated as a connection error of type FRAME_ENCODING_ERROR.
 */
function readStreamCount(reader: BufferReader, name: string): number {
  const at = reader.offset;
  const count = reader.readVarint();
  if (count === MAX_SAFE_VARINT) {
    reader.offset = at;
    if (reader.readVarintBig() > TWO_POW_60_BIG) reader.fail(`${name} count above 2^60`);
  } else if (count > TWO_POW_60) {
    reader.fail(`${name} count above 2^60`);
  }
  return count;
}

function decodeNewConnectionId(reader: BufferReader): NewConnectionIdFrame {
  const sequenceAt = reader.offset;
  const sequence = reader.readVarint();
  const retireAt = reader.offset;
  const retirePriorTo = reader.readVarint();
  const cidLength = reader.readUint8();
  // RFC 9000 §19.15: Length values less than 1 and greater than 20 are
  // invalid and MUST be treated as a connection error of type
  // FRAME_ENCODING_ERROR.
  if (cidLength < 1 || cidLength > MAX_CID_LENGTH) {
    reader.fail(`NEW_CONNECTION_ID length ${cidLength} outside 1..20`);
  }
  const connectionId = reader.readBytes(cidLength);
  const statelessResetToken = reader.readBytes(16);
  // RFC 9000 §19.15: Receiving a value in the Retire Prior To field that is
  // greater than that in the Sequence Number field MUST be treated as a
  // connection error of type FRAME_ENCODING_ERROR.
  let retireTooLarge = retirePriorTo > sequence;
  if (retirePriorTo === MAX_SAFE_VARINT) {
    const end = reader.offset;
    reader.offset = sequenceAt;
    const exactSequence = reader.readVarintBig();
    reader.offset = retireAt;
    retireTooLarge = reader.readVarintBig() > exactSequence;
    reader.offset = end;
  }
  if (retireTooLarge) reader.fail('NEW_CONNECTION_ID Retire Prior To above Sequence Number');
  return { type: 'newConnectionId', sequence, retirePriorTo, connectionId, statelessResetToken };
}

function decodeConnectionClose(reader: BufferReader, application: boolean): ConnectionCloseFrame {
  const errorCode = reader.readVarintBig();
  const frameType = application ? 0 : reader.readVarint();
  const reasonLength = reader.readVarint();
  const reason = reader.readBytes(reasonLength);
  return { type: 'connectionClose', application, errorCode, frameType, reason };
}

/** Decodes a whole payload into frames (convenience for tests and tools). */
export function decodeFrames(payload: Uint8Array, packetType?: PacketType): Frame[] {
  const reader = new BufferReader(payload);
  const frames: Frame[] = [];
  while (reader.remaining > 0) frames.push(decodeFrame(reader, packetType));
  return frames;
}
